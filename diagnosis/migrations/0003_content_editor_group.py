"""The "内容编辑" group: everything editors need for guides and the knowledge base, nothing on staff accounts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "内容编辑"
EDITED_MODELS = {
    "guides": ("guide", "reference"),
    "diagnosis": ("question", "choice", "cause", "causeaction", "evidence", "action"),
}
ACTIONS = ("add", "change", "delete", "view")
# Editors read anonymous feedback (guide comments) and results, but never change them.
EXTRA_PERMISSIONS = {"diagnosis": ("view_assessment",), "guides": ("view_guidevote",)}


def create_editor_group(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate); a fresh database has none yet.
    for label in EDITED_MODELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for label, models in EDITED_MODELS.items():
        codenames = [f"{action}_{model}" for model in models for action in ACTIONS]
        codenames += EXTRA_PERMISSIONS.get(label, ())
        permissions = Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
        if permissions.count() != len(codenames):
            raise RuntimeError(f"Missing permissions for {label}: expected {len(codenames)}")
        group.permissions.add(*permissions)


def delete_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0002_feedback"),
        ("guides", "0002_feedback"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editor_group, delete_editor_group)]

"""The outcomes dashboard gets its own permission ("view_dashboard"), given to the "内容编辑" group.

Before, any staff account could read it; now a staff account needs this permission (or to be a superuser).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "内容编辑"


def grant_to_editors(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate); this one is needed now.
    app_config = apps.get_app_config("outcomes")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="outcomes", codename="view_dashboard")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="outcomes", codename="view_dashboard").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_initial"),
        ("diagnosis", "0003_content_editor_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="tally",
            options={
                "permissions": [("view_dashboard", "可以查看效果看板")],
                "verbose_name": "统计",
                "verbose_name_plural": "统计",
            },
        ),
        migrations.RunPython(grant_to_editors, revoke),
    ]

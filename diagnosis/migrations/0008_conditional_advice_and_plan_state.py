"""Advice that fits the person, and a plan people can tick off.

- A cause's action links get `when` / `unless` answers (`diagnosis.engine.Condition`).
- A cause's guide links get the same: the table Django made for the plain many-to-many (`diagnosis_cause_guides`)
  becomes the explicit `CauseGuide` model in the migration state only, so every existing link row is kept as
  it is; then the two columns are added to that table.
- A result remembers which of its action-plan items the person ticked (`Assessment.plan_done`).
- Editors may edit the new guide links, as they could edit the plain ones.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITOR_GROUP = "内容编辑"
WHEN_HELP = "只在回答了其中任一项时显示，例如 business_owner=yes。不选表示不限。"
UNLESS_HELP = "回答了其中任一项就不显示，例如 life_stage=adult。"


def let_editors_edit_guide_links(apps, schema_editor):
    app_config = apps.get_app_config("diagnosis")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name=EDITOR_GROUP).first()
    if group is None:
        return
    codenames = [f"{action}_causeguide" for action in ("add", "change", "delete", "view")]
    permissions = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="diagnosis", codename__in=codenames
    )
    group.permissions.add(*permissions)


def condition(verbose_name, help_text):
    return models.JSONField(blank=True, default=list, help_text=help_text, verbose_name=verbose_name)


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0007_assessment_more"),
        ("guides", "0004_reviews_and_search_synonyms"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="plan_done",
            field=models.JSONField(blank=True, default=list, verbose_name="已完成的行动"),
        ),
        migrations.AddField(
            model_name="causeaction", name="when", field=condition("只在这些回答时显示", WHEN_HELP)
        ),
        migrations.AddField(
            model_name="causeaction", name="unless", field=condition("这些回答时不显示", UNLESS_HELP)
        ),
        # The link table already exists with exactly these columns: only Django's picture of it changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CauseGuide",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "cause",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cause_guides",
                                to="diagnosis.cause",
                            ),
                        ),
                        (
                            "guide",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cause_guides",
                                to="guides.guide",
                                verbose_name="指南",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "相关指南",
                        "verbose_name_plural": "相关指南",
                        "db_table": "diagnosis_cause_guides",
                        "ordering": ["id"],
                        "unique_together": {("cause", "guide")},
                    },
                ),
                migrations.AlterField(
                    model_name="cause",
                    name="guides",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="causes",
                        through="diagnosis.CauseGuide",
                        to="guides.guide",
                        verbose_name="相关指南",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(model_name="causeguide", name="when", field=condition("只在这些回答时显示", WHEN_HELP)),
        migrations.AddField(model_name="causeguide", name="unless", field=condition("这些回答时不显示", UNLESS_HELP)),
        migrations.RunPython(let_editors_edit_guide_links, migrations.RunPython.noop),
    ]

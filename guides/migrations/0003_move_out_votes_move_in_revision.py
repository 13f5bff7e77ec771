"""Guide votes now belong to `outcomes`; the content revision moves here from `diagnosis`.

State only, keeping the tables and their rows (ContentRevision keeps the table name `diagnosis_contentrevision`).
The content type is renamed with it, so nothing that points at it (permissions, admin history) is orphaned.
"""

from django.db import migrations, models


def rename_content_type(apps, old_app, new_app, model):
    """Hand a model's content type to its new app (dropping a fresh duplicate the new app may already have)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label=old_app, model=model).first()
    if old is None:
        return
    ContentType.objects.filter(app_label=new_app, model=model).delete()
    old.app_label = new_app
    old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    rename_content_type(apps, "diagnosis", "guides", "contentrevision")


def backwards(apps, schema_editor):
    rename_content_type(apps, "guides", "diagnosis", "contentrevision")


class Migration(migrations.Migration):
    dependencies = [
        ("guides", "0002_feedback"),
        ("diagnosis", "0004_move_out_feedback_and_revision"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="GuideVote"),
                migrations.CreateModel(
                    name="ContentRevision",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.PositiveBigIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "内容版本",
                        "verbose_name_plural": "内容版本",
                        "db_table": "diagnosis_contentrevision",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]

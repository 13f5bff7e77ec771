"""The outcomes app takes over votes, follow-ups and tallies from `diagnosis` and guide votes from `guides`.

State only: every table stays as it is, with every row, under its original name (`db_table`). The content
types move with the models, so the editors' permission to read guide feedback, and any admin history, follow.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = {"diagnosis": ("findingvote", "followup", "tally"), "guides": ("guidevote",)}


def rename_content_types(apps, old_to_new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for (old_app, new_app), names in old_to_new.items():
        for model in names:
            old = ContentType.objects.filter(app_label=old_app, model=model).first()
            if old is None:
                continue
            ContentType.objects.filter(app_label=new_app, model=model).delete()  # a fresh duplicate, if any
            old.app_label = new_app
            old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    rename_content_types(apps, {(app, "outcomes"): names for app, names in MOVED.items()})


def backwards(apps, schema_editor):
    rename_content_types(apps, {("outcomes", app): names for app, names in MOVED.items()})


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("diagnosis", "0004_move_out_feedback_and_revision"),
        ("guides", "0003_move_out_votes_move_in_revision"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FollowUp",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("outcome", models.CharField(choices=[("recovered", "恢复了"), ("partly", "恢复了一部分"), ("no", "没有恢复"), ("not_tried", "还没试过")], max_length=12, verbose_name="结果")),
                        ("top_cause", models.SlugField(blank=True, max_length=40, verbose_name="当时最可能的原因")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("answered_at", models.DateTimeField(auto_now=True)),
                        ("assessment", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="follow_up", to="diagnosis.assessment")),
                    ],
                    options={
                        "verbose_name": "回访",
                        "verbose_name_plural": "回访",
                        "db_table": "diagnosis_followup",
                    },
                ),
                migrations.CreateModel(
                    name="Tally",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("day", models.DateField(verbose_name="日期")),
                        ("kind", models.CharField(choices=[("started", "开始体检"), ("answered", "回答问题"), ("finished", "完成体检"), ("cause", "得出原因"), ("verdict", "判断反馈"), ("helpful", "指南反馈"), ("outcome", "回访结果")], max_length=12, verbose_name="类别")),
                        ("key", models.CharField(max_length=100, verbose_name="项目")),
                        ("count", models.IntegerField(default=0, verbose_name="次数")),
                    ],
                    options={
                        "verbose_name": "统计",
                        "verbose_name_plural": "统计",
                        "db_table": "diagnosis_tally",
                        "indexes": [models.Index(fields=["kind", "day"], name="diagnosis_t_kind_f9df3a_idx")],
                        "constraints": [models.UniqueConstraint(fields=("day", "kind", "key"), name="one_tally_per_day_kind_key")],
                    },
                ),
                migrations.CreateModel(
                    name="FindingVote",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("cause", models.SlugField(max_length=40, verbose_name="原因")),
                        ("verdict", models.CharField(choices=[("right", "对"), ("wrong", "不对"), ("unsure", "说不准")], max_length=10, verbose_name="判断")),
                        ("voter", models.CharField(max_length=32)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("assessment", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="votes", to="diagnosis.assessment")),
                    ],
                    options={
                        "verbose_name": "判断反馈",
                        "verbose_name_plural": "判断反馈",
                        "db_table": "diagnosis_findingvote",
                        "constraints": [models.UniqueConstraint(fields=("assessment", "cause", "voter"), name="one_vote_per_finding_per_browser")],
                    },
                ),
                migrations.CreateModel(
                    name="GuideVote",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("helpful", models.BooleanField(verbose_name="有帮助")),
                        ("comment", models.TextField(blank=True, max_length=500, verbose_name="留言")),
                        ("voter", models.CharField(max_length=32)),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                        ("guide", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="votes", to="guides.guide", verbose_name="指南")),
                    ],
                    options={
                        "verbose_name": "指南反馈",
                        "verbose_name_plural": "指南反馈",
                        "ordering": ["-created_at"],
                        "db_table": "guides_guidevote",
                        "constraints": [models.UniqueConstraint(fields=("guide", "voter"), name="one_guide_vote_per_browser")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]

"""Votes, follow-ups and tallies now belong to `outcomes`, the content revision to `guides`.

State only: the tables stay where they are, with every row, under their original names (the new owners
name them with `db_table`). The owners' own migrations take the models over right after this one.
"""

from django.db import migrations

MOVED = ("FindingVote", "FollowUp", "Tally", "ContentRevision")


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0003_content_editor_group"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
            database_operations=[],
        ),
    ]

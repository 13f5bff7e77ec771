"""Keep only a SHA-256 of each result token: staff and database readers can no longer open anyone's result.

Existing results keep working: their links carry the raw token, which the site now hashes to find the row.
Going back (unapplying) cannot recover the raw tokens, so the hashes are left in place: links made before
this migration then stop opening their result until it is applied again.
"""

import hashlib

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    Assessment = apps.get_model("diagnosis", "Assessment")
    rows = Assessment.objects.only("pk", "token")
    for assessment in rows.iterator(chunk_size=2000):
        assessment.token = hashlib.sha256(assessment.token.encode()).hexdigest()
        assessment.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0004_move_out_feedback_and_revision"),
    ]

    operations = [
        # Room for the hex digest first (tokens are at most 40 characters), then hash, then name it for what it is.
        migrations.AlterField(
            model_name="assessment",
            name="token",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
        migrations.RenameField(model_name="assessment", old_name="token", new_name="token_hash"),
    ]

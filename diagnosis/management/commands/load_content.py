from django.core.management.base import BaseCommand, CommandError

from config.history import OVERWRITE_COMMENT, history_url
from diagnosis.content_files import ContentError, load


class Command(BaseCommand):
    help = (
        "Load the default knowledge base and guides from the content files (idempotent). "
        "Items editors changed or deleted in the admin are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite items an editor changed (saving their version in the admin history first) "
            "and recreate items an editor deleted.",
        )

    def handle(self, *args, force=False, **options):
        try:
            report = load(force=force)
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Content loaded: {report.summary()}.")
        self.list("Kept admin edits (use --force to overwrite them)", report.kept)
        self.list("Deleted by an editor, not recreated (use --force to recreate them)", report.deleted)
        self.list("Recreated what editors had deleted", report.restored)
        if report.overwritten:
            self.stdout.write(
                f"Overwrote admin edits. Each item's admin history has the editor's version (“{OVERWRITE_COMMENT}”), "
                "to revert to, and what the files replaced it with:"
            )
            for key in sorted(report.overwritten):
                self.stdout.write(f"  {key} ({history_url(report.overwritten_rows[key])})")
        if report.warnings:
            self.stdout.write("Left out references to what is not in the database:")
            for warning in report.warnings:
                self.stdout.write(f"  {warning}")

    def list(self, heading, keys):
        if keys:
            self.stdout.write(f"{heading}: {', '.join(sorted(keys))}")

from django.core.management.base import BaseCommand, CommandError

from diagnosis.content_files import ContentError, load


class Command(BaseCommand):
    help = "Load the default knowledge base and guides from the content files (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Overwrite items an editor changed in the admin.")

    def handle(self, *args, force=False, **options):
        try:
            report = load(force=force)
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Content loaded: {report.summary()}.")
        if report.kept:
            self.stdout.write("Kept admin edits (use --force to overwrite them): " + ", ".join(sorted(report.kept)))

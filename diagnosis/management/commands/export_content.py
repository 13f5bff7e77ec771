from django.core.management.base import BaseCommand

from diagnosis.content_files import GUIDES_DIR, KNOWLEDGE_BASE_FILE, export


class Command(BaseCommand):
    help = "Write the database's current knowledge base and guides back into the content files."

    def add_arguments(self, parser):
        parser.add_argument("--knowledge-base", default=str(KNOWLEDGE_BASE_FILE), help="YAML file to write.")
        parser.add_argument("--guides-dir", default=str(GUIDES_DIR), help="Folder for the guide Markdown files.")

    def handle(self, *args, knowledge_base, guides_dir, **options):
        count = export(knowledge_base_path=knowledge_base, guides_dir=guides_dir)
        self.stdout.write(f"Exported {count} files.")

import json
import sys

from django.core.management.base import BaseCommand

from diagnosis.engine import UnknownAnswer, diagnose
from diagnosis.knowledge import build_knowledge_base


class Command(BaseCommand):
    help = 'Diagnose a set of answers and print the findings as JSON, e.g. --answers \'{"symptom": "limit_gone"}\'.'

    def add_arguments(self, parser):
        parser.add_argument("--answers", required=True, help="JSON object of {question_slug: choice_slug}.")

    def handle(self, *args, answers, **options):
        try:
            parsed = json.loads(answers)
        except json.JSONDecodeError as exc:
            self._fail(f"--answers is not valid JSON: {exc.msg}")
        try:
            result = diagnose(parsed, build_knowledge_base())
        except UnknownAnswer as exc:
            self._fail(str(exc))
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))

    def _fail(self, message):
        # Status 2 and one line on stderr, as scripts calling this expect (a usage error, not a crash).
        self.stderr.style_func = None  # plain text, even on a terminal: scripts read this line
        self.stderr.write(f"diagnose: {message}")
        sys.exit(2)

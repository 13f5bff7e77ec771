"""The engine's `KnowledgeBase` straight from the content files, for tests and benches that need no database."""

import os
from functools import cache


@cache
def default_knowledge_base():
    """`KnowledgeBase.from_content()` over the committed files: Django's settings are read, no database is used."""
    import django
    from django.apps import apps

    if not apps.ready:  # run as a script (make bench-interview), not under pytest-django
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    from diagnosis.content_files import read_content
    from diagnosis.engine import KnowledgeBase

    return KnowledgeBase.from_content(**read_content())

"""The content revision: one number that moves on every change to a guide or to the knowledge base."""

from django.db import connection, transaction
from django.db.models import F

from .models import ContentRevision


def revision_check():
    """The revision as plain SQL and its parameters, 0 before the first edit: every page the whole-page cache
    keeps depends on it (config/pagecache.py runs it with a page's other checks in one query)."""
    table, pk = ContentRevision._meta.db_table, ContentRevision._meta.pk.column
    return f"SELECT COALESCE(MAX(number), 0) FROM {table} WHERE {pk} = 1", ()


def current_revision():
    """The revision in one small query; plain SQL, because building an ORM query costs more than running it."""
    sql, params = revision_check()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def bump_revision():
    """Mark the content changed; every process rebuilds what it derived from it on its next request."""
    with transaction.atomic():
        updated = ContentRevision.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            ContentRevision.objects.get_or_create(pk=1, defaults={"number": 1})

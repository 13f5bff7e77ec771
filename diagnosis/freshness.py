"""What a cached result page must re-check on every hit, as plain SQL (config/pagecache.py).

Each check is one scalar subquery and its parameters. The page cache runs all of a page's checks in a single
query before it serves a stored copy and compares the values with those read before the page was rendered:
any difference means "render again", a NULL from a result check means "gone" (deleted or expired), so the view
answers 404 at once. Plain SQL because building an ORM query costs more than running this one.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import Assessment, hash_token


def result_check(token):
    """A finished, unexpired result's state: its last change, and whether the follow-up question is due yet.

    `updated_at` moves when anything about the result changes (see `touch_result_on_change`); the follow-up
    question appears FOLLOW_UP_AFTER_DAYS after finishing without any write, so that is part of the value too.
    """
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    table = Assessment._meta.db_table
    sql = (
        f"SELECT CAST(updated_at AS TEXT) || CASE WHEN finished_at <= %s THEN ' follow-up' ELSE '' END "
        f"FROM {table} WHERE token_hash = %s AND finished_at IS NOT NULL AND expires_at > %s"
    )
    return sql, (adapt(now - timedelta(days=settings.FOLLOW_UP_AFTER_DAYS)), hash_token(token), adapt(now))


def _touch_result(attname):
    def touch(sender, instance, origin=None, **kwargs):
        if isinstance(origin, Assessment) or getattr(origin, "model", None) is Assessment:
            return  # deleted along with its result: nothing left to refresh
        Assessment.objects.filter(pk=getattr(instance, attname)).update(updated_at=timezone.now())

    return touch


def touch_result_on_change():
    """Any row that belongs to a result (votes, its follow-up, plan ticks…) moves the result's `updated_at`.

    Found from the foreign keys at start-up, so models added later in other apps are covered without code here.
    """
    for relation in Assessment._meta.related_objects:
        model, touch = relation.related_model, _touch_result(relation.field.attname)
        uid = f"result-touch-{model._meta.label}-{relation.field.name}"
        post_save.connect(touch, sender=model, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(touch, sender=model, weak=False, dispatch_uid=f"{uid}-delete")

"""Shared fixtures: the default content is loaded once into the test database, as `make run` does."""

import pytest
from django.core.management import call_command

from diagnosis.knowledge import build_knowledge_base
from diagnosis.models import Cause


def ensure_content():
    if not Cause.objects.exists():
        call_command("load_content", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_content()


@pytest.fixture(scope="session")
def kb(django_db_setup, django_db_blocker):
    """The default knowledge base as the engine sees it (immutable, so shared by every test)."""
    with django_db_blocker.unblock():
        ensure_content()
        return build_knowledge_base()


@pytest.fixture
def content(db):
    """The default content in the database, also for transactional tests whose flush removed it."""
    ensure_content()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache; every test starts with none (all test clients share one IP)."""
    from django.core.cache import cache

    from config import pagecache
    from diagnosis import knowledge
    from guides import listing

    cache.clear()
    # A rolled-back test can leave the revision number where it was while the rows changed: forget the memos.
    knowledge._memo.update(revision=None, kb=None)
    pagecache.clear()
    listing.forget()
    yield
    cache.clear()
    knowledge._memo.update(revision=None, kb=None)
    pagecache.clear()
    listing.forget()

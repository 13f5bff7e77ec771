"""Shared fixtures: the knowledge base straight from the content files, and the same content in the database."""

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from diagnosis.content_files import read_content
from diagnosis.engine import KnowledgeBase
from diagnosis.models import Cause

# PBKDF2 was half the suite's CPU (every test user's password); WhiteNoise rescanned a thousand static files
# for every new test client. Production settings are untouched: servers the tests start (gunicorn, the
# browser tests' site) run config.settings as they are.
FAST_TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "WHITENOISE_AUTOREFRESH": True,  # look a static file up when it is asked for, instead of scanning them all
}


@pytest.fixture(scope="session", autouse=True)
def fast_test_settings():
    with override_settings(**FAST_TEST_SETTINGS):
        yield


def ensure_content():
    if not Cause.objects.exists():
        call_command("load_content", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The default content is loaded once into the test database, as `make run` does."""
    with django_db_blocker.unblock():
        ensure_content()


@pytest.fixture(scope="session")
def kb():
    """The default knowledge base as the engine sees it, built from the content files: no database needed.

    The database holds the same content (loaded from the same files), so views and this agree. Immutable,
    so shared by every test.
    """
    return KnowledgeBase.from_content(**read_content())


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

"""Review history and search synonyms in the admin, as editors use them (real admin views, real database)."""

from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from reversion.models import Version

from guides.models import Guide, GuideReview, SearchSynonym
from tests.test_admin import EDITOR_GROUP, form_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(content):
    """A member of the editors' group the migrations set up (no superuser shortcuts)."""
    user = User.objects.create_user("reviewer", password="long-reviewer-password-3141", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR_GROUP))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_editors_may_keep_reviews_and_synonyms(editor):
    for model in ("guidereview", "searchsynonym"):
        for action in ("add", "change", "delete", "view"):
            assert editor.has_perm(f"guides.{action}_{model}"), (action, model)


def test_adding_a_review_in_the_guide_form_moves_last_reviewed_and_shows_on_the_page(editor_client, client):
    guide = Guide.objects.get(slug="credit-dispute")
    before = guide.reviews.count()
    url = f"/admin/guides/guide/{guide.pk}/change/"
    data = form_values(editor_client.get(url), "guide_form")
    row = before  # the empty extra row after the existing ones
    data[f"reviews-{row}-reviewed_on"] = ["2026-12-01"]
    data[f"reviews-{row}-note"] = ["核对了异议的答复期限，没有变化。"]

    response = editor_client.post(url, data)

    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.reviews.count() == before + 1
    assert guide.last_reviewed == date(2026, 12, 1)
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "核对了异议的答复期限，没有变化。" in html and "2026年12月1日" in html
    assert Version.objects.get_for_object(guide).count() == 1


def test_an_older_review_does_not_move_last_reviewed_back(editor_client):
    guide = Guide.objects.get(slug="credit-dispute")
    latest = guide.last_reviewed
    url = f"/admin/guides/guide/{guide.pk}/change/"
    data = form_values(editor_client.get(url), "guide_form")
    data[f"reviews-{guide.reviews.count()}-reviewed_on"] = ["2020-01-01"]
    data[f"reviews-{guide.reviews.count()}-note"] = ["补记一条旧的核对。"]
    assert editor_client.post(url, data).status_code == 302
    guide.refresh_from_db()
    assert guide.last_reviewed == latest


def test_a_guide_without_reviews_still_explains_its_date(client, content):
    guide = Guide.objects.get(slug="glossary")
    GuideReview.objects.filter(guide=guide).delete()
    guide.save()  # an edit bumps the content revision, so the cached article is rebuilt
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "最后一次核对（没有更早的记录）" in html


def test_synonym_admin_lists_and_adds(editor_client):
    assert editor_client.get("/admin/guides/searchsynonym/").status_code == 200
    form = editor_client.get("/admin/guides/searchsynonym/add/")
    assert form.status_code == 200
    guide = Guide.objects.get(slug="credit-repair-scams")
    response = editor_client.post(
        "/admin/guides/searchsynonym/add/", {"phrase": "刷单", "words": "骗局 诈骗", "guide": guide.pk}
    )
    assert response.status_code == 302
    assert SearchSynonym.objects.get(phrase="刷单").guide == guide

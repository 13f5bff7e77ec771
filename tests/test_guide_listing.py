"""Guide lists and search at ten times today's guides: one page at a time, plain page links, constant work."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guides import listing
from guides.models import Category, Guide

pytestmark = pytest.mark.django_db


def add_guides(count, **fields):
    for n in range(count):
        Guide.objects.create(
            slug=f"extra-{n:03d}",
            title=fields.get("title", f"额外指南 {n:03d}"),
            summary="摘要",
            category=Category.values[n % 4],
            body=fields.get("body", f"## 一\n\n关于征信的第 {n} 篇。"),
            status=Guide.Status.PUBLISHED,
            last_reviewed=date(2026, 1, 1),
            order=n,
        )


def linked_guides(html):
    return re.findall(r'class="guide-list__title" href="/guides/([a-z0-9-]+)/"', html)


def test_the_index_shows_one_page_with_links_to_the_others(client, content):
    add_guides(10 * Guide.objects.count())
    total = Guide.objects.published().count()
    pages = -(-total // listing.GUIDES_PER_PAGE)
    first = client.get("/guides/").content.decode()
    assert len(linked_guides(first)) == listing.GUIDES_PER_PAGE
    assert f"第 1 页，共 {pages} 页" in first and 'rel="next" href="/guides/?page=2"' in first

    seen = []
    for number in range(1, pages + 1):
        html = client.get("/guides/", {"page": number}).content.decode()
        seen += linked_guides(html)
        if number > 1:
            assert f'<link rel="canonical" href="http://testserver/guides/?page={number}">' in html
    assert sorted(seen) == sorted(Guide.objects.published().values_list("slug", flat=True))
    assert 'rel="next"' not in html and f'rel="prev" href="/guides/?page={pages - 1}"' in html


@pytest.mark.parametrize("number", ["0", "-1", "abc", "99999", "1.5"])
def test_a_bad_page_number_shows_a_real_page(client, content, number):
    response = client.get("/guides/", {"page": number})
    assert response.status_code == 200 and linked_guides(response.content.decode())


def test_a_category_pages_through_its_guides(client, content):
    add_guides(10 * Guide.objects.count())
    members = Guide.objects.published().filter(category="safety").count()
    assert members > listing.GUIDES_PER_PAGE
    first = client.get("/guides/safety/").content.decode()
    second = client.get("/guides/safety/", {"page": 2}).content.decode()
    assert len(linked_guides(first)) == listing.GUIDES_PER_PAGE
    assert len(linked_guides(first)) + len(linked_guides(second)) == min(members, 2 * listing.GUIDES_PER_PAGE)
    assert not set(linked_guides(first)) & set(linked_guides(second))
    assert 'rel="next" href="/guides/safety/?page=2"' in first


def test_search_results_come_a_page_at_a_time_and_keep_the_query_in_the_links(client, content):
    add_guides(25, title="紫罗兰测试词指南")
    html = client.get("/guides/", {"q": "紫罗兰测试词"}).content.decode()
    assert "找到 25 篇" in html and len(linked_guides(html)) == listing.RESULTS_PER_PAGE + len(Category)
    assert 'href="/guides/?q=%E7%B4%AB%E7%BD%97%E5%85%B0%E6%B5%8B%E8%AF%95%E8%AF%8D&amp;page=2"' in html
    last = client.get("/guides/", {"q": "紫罗兰测试词", "page": 3}).content.decode()
    assert "第 3 页，共 3 页" in last and len(linked_guides(last)) == 5 + len(Category)


def test_search_runs_no_guide_query_once_a_query_was_answered_for_this_revision(client, content):
    add_guides(10 * Guide.objects.count())
    client.get("/guides/", {"q": "征信"})
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/guides/", {"q": "征信"}).content.decode()
    assert "/guides/credit-report/" in html
    assert not [q for q in queries.captured_queries if "guides_guide" in q["sql"]], queries.captured_queries


def test_an_edit_is_searchable_at_once(client, content):
    assert "找到 0 篇" in client.get("/guides/", {"q": "萤火虫测试词"}).content.decode()
    guide = Guide.objects.get(slug="credit-report")
    guide.title = "萤火虫测试词：查征信"
    guide.save()
    html = client.get("/guides/", {"q": "萤火虫测试词"}).content.decode()
    assert "找到 1 篇" in html and "/guides/credit-report/" in html


def test_search_pages_work_without_javascript_from_a_cached_index(content):
    reader = Client()
    reader.get("/guides/")
    index = Client().get("/guides/")
    assert index.page_cache == "hit"
    form = re.search(r'<form class="guide-search" method="get" action="([^"]+)"', index.content.decode())
    assert form and form.group(1) == "/guides/"
    assert "找到" in Client().get(form.group(1), {"q": "征信"}).content.decode()

"""Guide pages, search, sitemap and the Markdown sanitiser, through the real views and database."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from guides.models import Category, Guide, Reference
from guides.rendering import render_guide_body

pytestmark = pytest.mark.django_db

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<iframe src="https://evil.example/"></iframe>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<div onclick="alert(1)">click</div',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><img src=x onerror=alert(1)>',
    '<object data="javascript:alert(1)"></object>',
    '<form action="https://evil.example/"><input name=q></form>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitiser_lets_no_payload_through(payload):
    html, _ = render_guide_body(f"## 标题\n\n{payload}\n\n- [ ] 一步\n")
    lowered = html.lower()
    for bad in ["<script", "onerror", "onload", "onclick", "javascript:", "data:text", "<iframe", "<svg", "style=",
                "<object", "<form", "<input", "<img", "<style", "<math"]:  # fmt: skip
        assert bad not in lowered, (payload, html)
    assert '<h2 id="标题">标题</h2>' in html  # the safe content around a payload survives


def test_external_links_get_noopener_nofollow():
    html, _ = render_guide_body("[征信中心](http://www.pbccrc.org.cn/)")
    assert 'rel="noopener nofollow"' in html and 'href="http://www.pbccrc.org.cn/"' in html


def test_index_groups_published_guides_by_category(client, content):
    html = client.get("/guides/").content.decode()
    positions = [html.index(f'id="cat-{c}"') for c in Category.values]
    assert positions == sorted(positions)
    for guide in Guide.objects.published():
        assert f'href="/guides/{guide.slug}/"' in html
    assert Guide.objects.published().count() >= 16


def test_category_page(client, content):
    response = client.get("/guides/safety/")
    html = response.content.decode()
    assert response.status_code == 200 and "防骗与安全" in html
    for guide in Guide.objects.published().filter(category="safety"):
        assert guide.title in html
    assert "/guides/bank-consumer-loans/" not in html


def test_guide_page_has_everything_a_reader_needs(client, content):
    guide = Guide.objects.get(slug="credit-repair-scams")
    html = client.get("/guides/credit-repair-scams/").content.decode()
    assert f"<h1>{guide.title}</h1>" in html
    assert guide.summary in html
    assert "最后审核" in html and "本文目录" in html
    assert '<ul class="checklist">' in html
    assert "参考资料" in html and "适用于这些情况" in html and 'data-cause="scam_risk"' in html
    assert "相关指南" in html and 'class="breadcrumb"' in html
    assert '<link rel="canonical" href="http://testserver/guides/credit-repair-scams/">' in html
    assert f'<meta name="description" content="{guide.summary}">' in html


def test_every_guide_page_renders(client, content):
    for guide in Guide.objects.published():
        response = client.get(guide.get_absolute_url())
        assert response.status_code == 200, guide.slug
        assert len(re.sub(r"\s", "", guide.body)) >= 600, guide.slug


def make_guide(slug, status=Guide.Status.PUBLISHED, **fields):
    defaults = {"title": f"测试指南 {slug}", "summary": "摘要", "category": "credit-repair", "body": "## 一\n\n正文"}
    defaults.update(fields)
    return Guide.objects.create(slug=slug, status=status, last_reviewed=date(2026, 11, 23), **defaults)


def test_drafts_are_404_for_the_public_and_previewable_by_staff(client, content):
    make_guide("draft-guide", status=Guide.Status.DRAFT, title="草稿指南")
    assert client.get("/guides/draft-guide/").status_code == 404
    assert "草稿指南" not in client.get("/guides/").content.decode()
    assert "draft-guide" not in client.get("/sitemap.xml").content.decode()
    staff = User.objects.create_user("editor", password="x-long-password-1", is_staff=True)
    client.force_login(staff)
    response = client.get("/guides/draft-guide/")
    assert response.status_code == 200 and "草稿预览" in response.content.decode()


def test_search_ranks_title_matches_above_body_matches(client, content):
    make_guide("zz-body-only", title="无关的标题", summary="无关", body="## 一\n\n这里提到了紫罗兰测试词。", order=1)
    make_guide("zz-title", title="紫罗兰测试词的说明", summary="无关", body="## 一\n\n正文", order=99)
    html = client.get("/guides/", {"q": "紫罗兰测试词"}).content.decode()
    assert "找到 2 篇" in html
    assert html.index("/guides/zz-title/") < html.index("/guides/zz-body-only/")


def test_search_finds_chinese_substrings_and_has_an_empty_state(client, content):
    html = client.get("/guides/", {"q": "征信"}).content.decode()
    assert "/guides/credit-report/" in html
    empty = client.get("/guides/", {"q": "完全不存在的词语组合"}).content.decode()
    assert "没有找到相关的指南" in empty


def test_sitemap_and_robots(client, content):
    sitemap = client.get("/sitemap.xml")
    xml = sitemap.content.decode()
    assert sitemap.status_code == 200
    assert "<loc>http://testserver/</loc>" in xml
    assert xml.count("/guides/") >= Guide.objects.published().count()
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /r/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots


def test_guide_slugs_are_ascii_and_not_a_category():
    guide = Guide(title="中文", summary="s", category="safety", body="b", last_reviewed=date(2026, 1, 1))
    for bad in ["中文标题", "Upper-Case", "safety", "with space"]:
        guide.slug = bad
        with pytest.raises(ValidationError):
            guide.full_clean()
    guide.slug = "fine-slug-2"
    guide.full_clean()


def test_guide_pages_run_constant_queries_however_many_guides(client, content, django_assert_num_queries):
    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = ["/guides/", "/guides/credit-report/", "/guides/credit-repair/", "/guides/?q=征信", "/sitemap.xml"]
    before = {url: count(url) for url in urls}
    for n in range(10 * Guide.objects.count()):
        guide = make_guide(f"extra-{n}", category=Category.values[n % 4], body=f"## 一\n\n征信 {n}")
        Reference.objects.create(guide=guide, title="参考")
        guide.related.add(Guide.objects.get(slug="credit-report"))
    after = {url: count(url) for url in urls}
    assert after == before
    assert max(after.values()) <= 8

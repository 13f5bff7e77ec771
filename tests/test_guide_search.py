"""Guide search finds what people type, through the real page; synonyms are editable data with a content file."""

import re

import pytest
from django.core.management import call_command

from diagnosis import content_files
from diagnosis.models import LoadedContent
from guides.models import Guide, SearchSynonym
from guides.search import Synonym, expand, search_guides
from guides.synonyms import SYNONYMS_FILE, export_synonyms, read_synonyms

pytestmark = pytest.mark.django_db

# What anxious people really type → the guide that should come first.
FIRST_RESULT = [
    ("被骗了", "credit-repair-scams"),
    ("我被骗了怎么办", "credit-repair-scams"),
    ("骗子", "credit-repair-scams"),
    ("借呗骗子", "credit-repair-scams"),
    ("洗白征信", "credit-repair-scams"),
    ("信用修复", "credit-repair-scams"),
    ("催收", "debt-collection-rights"),
    ("催收打电话给家人", "debt-collection-rights"),
    ("被起诉了", "debt-collection-rights"),
    ("停息挂账", "debt-collection-rights"),
    ("额度没了", "existing-loans-after-line-closes"),
    ("借呗额度没了怎么办", "existing-loans-after-line-closes"),
    ("借不出来", "technical-troubleshooting"),
    ("借呗借不出来", "technical-troubleshooting"),
    ("系统繁忙", "technical-troubleshooting"),
    ("征信花了", "reduce-multiple-borrowing"),
    ("看不懂征信报告", "read-credit-report"),
    ("利息太高", "before-you-borrow"),
    ("高利贷", "check-lender-licence"),
    ("压力大", "when-it-feels-too-much"),
    ("撑不下去了", "when-it-feels-too-much"),
    ("逾期", "overdue-recovery"),
    ("投诉", "complaint-escalation"),
    ("征信", "credit-report"),
    ("查征信", "credit-report"),
    ("网贷不还会怎样", "debt-collection-rights"),
    ("这个网贷正规吗", "check-lender-licence"),
]


def result_slugs(client, query):
    html = client.get("/guides/", {"q": query}).content.decode()
    section = html.split('class="search-results"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/guides/([a-z0-9-]+)/"', section)


@pytest.mark.parametrize(("query", "expected"), FIRST_RESULT)
def test_real_queries_find_the_right_guide_first(client, content, query, expected):
    slugs = result_slugs(client, query)
    assert slugs and slugs[0] == expected, (query, slugs[:3])


def test_money_worries_also_list_the_other_guides_that_help(client, content):
    slugs = result_slugs(client, "被骗了")
    assert "account-security" in slugs
    assert len(slugs) == len(set(slugs))


def test_a_synonym_edited_in_the_admin_changes_the_next_search(client, content):
    assert result_slugs(client, "紫罗兰") == []
    guide = Guide.objects.get(slug="glossary")
    SearchSynonym.objects.create(phrase="紫罗兰", words="负债率", guide=guide)
    slugs = result_slugs(client, "紫罗兰")
    assert slugs[0] == "glossary" and "lower-debt-ratio" in slugs


def test_expand_finds_a_phrase_inside_a_longer_word():
    synonyms = [Synonym("被骗", ("骗局",), "credit-repair-scams"), Synonym("骗", ("诈骗",), "")]
    terms, first = expand("我被骗了 怎么办", synonyms)
    assert terms == [("我被骗了", "骗局", "诈骗"), ("怎么办",)]
    assert first == ["credit-repair-scams"]


def test_the_longest_phrase_and_then_the_first_typed_decides_which_guide_leads():
    synonyms = [Synonym("征信", (), "credit-report"), Synonym("洗白", (), "credit-repair-scams"),
                Synonym("征信花了", (), "reduce-multiple-borrowing")]  # fmt: skip
    assert expand("洗白征信", synonyms)[1] == ["credit-repair-scams", "credit-report"]
    assert expand("征信花了", synonyms)[1] == ["reduce-multiple-borrowing", "credit-report"]


def test_search_without_synonyms_still_needs_every_word():
    class G:
        def __init__(self, slug, title, body):
            self.slug, self.title, self.summary, self.body, self.category, self.order = slug, title, "", body, "x", 1

    guides = [G("a", "征信", "逾期"), G("b", "征信", "别的")]
    assert [g.slug for g in search_guides(guides, "征信 逾期")] == ["a"]


# --- the synonyms file -------------------------------------------------------------------------------


def test_synonyms_file_is_what_export_writes(db, tmp_path):
    export_synonyms(tmp_path / "s.yaml")
    assert (tmp_path / "s.yaml").read_text() == SYNONYMS_FILE.read_text()


def test_every_synonym_names_an_existing_published_guide():
    slugs = {g["slug"] for g in content_files.read_guides() if g["status"] == "published"}
    for item in read_synonyms():
        assert item["words"] or item.get("guide"), item
        assert item.get("guide", "") in slugs | {""}, item


def test_load_content_keeps_an_admin_edit_to_a_synonym_unless_forced(db):
    synonym = SearchSynonym.objects.get(phrase="催收")
    synonym.words = "编辑改过"
    synonym.save()
    report = content_files.load()
    assert "synonym:催收" in report.kept
    assert SearchSynonym.objects.get(phrase="催收").words == "编辑改过"
    content_files.load(force=True)
    assert SearchSynonym.objects.get(phrase="催收").words != "编辑改过"


def test_load_content_updates_an_unedited_synonym_when_the_file_changes(db, tmp_path):
    changed = tmp_path / "s.yaml"
    changed.write_text(SYNONYMS_FILE.read_text().replace("words: 催收 协商 投诉", "words: 催收 新词"))
    report = content_files.load(synonyms_path=changed)
    assert "synonym:催收" in report.updated
    assert SearchSynonym.objects.get(phrase="催收").words == "催收 新词"


def test_a_synonym_pointing_to_an_unknown_guide_is_a_clear_error(db, tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("- phrase: 新词\n  words: 征信\n  guide: no-such-guide\n")
    with pytest.raises(content_files.ContentError, match="no-such-guide"):
        content_files.load(synonyms_path=bad)


def test_load_content_command_loads_synonyms(db):
    SearchSynonym.objects.all().delete()
    LoadedContent.objects.filter(key__startswith="synonym:").delete()  # a database they were never loaded into
    call_command("load_content", verbosity=0)
    assert SearchSynonym.objects.filter(phrase="被骗", guide__slug="credit-repair-scams").exists()

"""The facts a credit counsellor checked, stated the same way everywhere (guides and knowledge base).

These read the content files, the way `load_content` does, so a fact changed in a file fails here before
it reaches a reader; the page tests further down check what the rendered guides show.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from diagnosis import content_files
from guides.models import Category, Guide
from guides.rendering import render_guide_body

GUIDES = {g["slug"]: g for g in content_files.read_guides()}
KB = content_files.read_knowledge_base()
NEW_GUIDES = [
    "debt-collection-rights", "read-credit-report", "before-you-borrow", "existing-loans-after-line-closes",
    "when-it-feels-too-much", "check-lender-licence",
]  # fmt: skip


def squeeze(text):
    return re.sub(r"\s+", "", text)


def guide_text(guide):
    return "\n".join([guide["title"], guide["summary"], guide["body"]])


def kb_texts():
    """Every sentence of the knowledge base a person reads: (where, text)."""
    for question in KB["questions"]:
        yield f"question:{question['slug']}", question["text"] + question.get("help_text", "")
    for action in KB["actions"]:
        yield f"action:{action['slug']}", action["text"] + action.get("detail", "")
    for cause in KB["causes"]:
        text = cause["explanation"] + cause.get("what_would_change", "") + cause.get("urgent_message", "")
        yield f"cause:{cause['slug']}", text


def all_texts():
    yield from ((f"guide:{slug}", guide_text(g)) for slug, g in GUIDES.items())
    yield from kb_texts()


# --- which regulator takes which complaint ------------------------------------------------------------

# "12378 或 12363", "12378（国家金融监督管理总局）或12363（…）": two regulators offered for the same problem.
AS_EQUALS = re.compile(r"(12378|12363)\s*(?:[（(][^）)]*[）)])?\s*(?:或者|或|、|/|和|及)\s*(12378|12363)")


@pytest.mark.parametrize(("where", "text"), list(all_texts()), ids=lambda v: v if ":" in str(v) else "")
def test_no_text_offers_12378_and_12363_as_equals(where, text):
    for match in AS_EQUALS.finditer(text):
        assert match.group(1) == match.group(2), f"{where}: {match.group(0)}"


def test_each_hotline_is_offered_for_its_own_job():
    complaints = guide_text(GUIDES["complaint-escalation"])
    rows = {line for line in complaints.splitlines() if line.startswith("|")}
    assert any("12378" in r and "借呗" in r and "催收" in r for r in rows)
    assert any("12363" in r and "征信" in r and "支付" in r for r in rows)
    assert any("地方金融管理局" in r and "小额贷款公司" in r and "典当行" in r for r in rows)
    assert "12363" in guide_text(GUIDES["credit-dispute"])
    assert "12378" in guide_text(GUIDES["debt-collection-rights"])


def test_the_complaint_route_is_linked_from_overdue_collection_and_account_findings():
    causes = {c["slug"]: c for c in KB["causes"]}
    for slug in ("current_overdue", "overdue_history", "account_security", "scam_risk"):
        assert "complaint-escalation" in causes[slug]["guides"], slug
    assert "debt-collection-rights" in causes["current_overdue"]["guides"]
    assert "complain-if-unfair" in causes["current_overdue"]["actions"]


# --- the 2025 one-time credit repair -----------------------------------------------------------------

MUST_MENTION_REPAIR = [
    "credit-dispute", "credit-repair-scams", "overdue-recovery", "reduce-multiple-borrowing", "credit-report",
    "read-credit-report", "glossary",
]  # fmt: skip
NO_EARLY_DELETION = re.compile(r"删不掉|谁也删|没有人能删|谁都删|没有捷径|不会让记录提前消失")


def mentions_one_time_repair(text):
    text = squeeze(text)
    return (
        "一次性信用修复" in text
        and "1万元" in text
        and "2026年3月31日" in text
        and re.search(r"已经结束|已经过去|已经执行完毕", text)
        and re.search(r"不用申请|不需要申请|免申", text)
    )


@pytest.mark.parametrize("slug", MUST_MENTION_REPAIR)
def test_one_time_repair_is_told_as_a_closed_window(slug):
    assert mentions_one_time_repair(GUIDES[slug]["body"]), slug


def test_every_guide_saying_a_true_record_cannot_go_early_mentions_the_repair_or_links_it():
    for slug, guide in GUIDES.items():
        if NO_EARLY_DELETION.search(guide["body"]) and "保存5年" in squeeze(guide["body"]):
            body = guide["body"]
            assert mentions_one_time_repair(body) or "#一次性信用修复" in body or slug in ("debt-collection-rights",), (
                slug
            )


def test_the_knowledge_base_tells_the_repair_where_it_says_records_stay():
    causes = {c["slug"]: c for c in KB["causes"]}
    for slug in ("scam_risk", "overdue_history"):
        text = squeeze(causes[slug]["explanation"])
        assert "一次性信用修复" in text and "不用申请" in text and "结束" in text, slug
    assert "骗子" in causes["scam_risk"]["explanation"]


def test_overdue_question_says_five_years_count_from_repayment():
    overdue = next(q for q in KB["questions"] if q["slug"] == "overdue")
    assert "过去 5 年" in overdue["text"]
    assert "还清" in overdue["help_text"] and "算起" in overdue["help_text"]


# --- licensed lenders, folk theory, timeframes ----------------------------------------------------------


def test_pawnshop_guide_says_what_protects_borrowers_of_licensed_lenders():
    body = squeeze(GUIDES["pawnshops-microlenders"]["body"])
    assert "法释〔2020〕27号" in body and "四倍" in body
    assert "不受这条上限约束" in body
    assert "年化利率必须明示" in body and "地方金融管理局" in body


PROMISED_TIME = re.compile(
    r"几周|几个星期|(\d+|几|一两|两三)\s*(天|周|个月|年)\s*(内|后|左右)?\s*(就|便)?\s*(会|能|可以)?\s*"
    r"(恢复|回来|提额|见效|删除|消失|解除|到账|好转)|很快就(会|能)|通常要几|限制通常会解除|通常就会消失"
)


@pytest.mark.parametrize(("where", "text"), list(all_texts()), ids=lambda v: v if ":" in str(v) else "")
def test_no_timeframe_is_promised(where, text):
    assert not PROMISED_TIME.search(text), f"{where}: {PROMISED_TIME.search(text).group(0)}"


def test_system_busy_is_a_test_the_person_can_run_not_a_verdict():
    for where, text in all_texts():
        assert not re.search(r"系统繁忙[^。]*(跟|和|与)你的信用(没有关系|无关)", text), where
        assert "和你的信用无关" not in text, where
    troubleshooting = squeeze(GUIDES["technical-troubleshooting"]["body"])
    assert "隔一天" in troubleshooting and "换个网络" in troubleshooting and "一模一样的提示" in troubleshooting
    causes = {c["slug"]: c for c in KB["causes"]}
    assert "隔一天" in causes["technical_issue"]["explanation"]


def test_credit_repair_category_label_avoids_the_scammers_words():
    label = str(Category.CREDIT_REPAIR.label)
    assert "修复" not in label and "洗白" not in label
    assert Category.CREDIT_REPAIR.value == "credit-repair"


def test_stop_interest_and_personal_instalments_are_explained_as_asks_not_rights():
    glossary = squeeze(GUIDES["glossary"]["body"])
    assert "停息挂账" in glossary and "不是一项法定权利" in glossary and "借呗" in glossary
    assert "第七十条" in glossary and "“可以”" in glossary and "不是必须" in glossary
    for slug in ("debt-collection-rights", "credit-cards-installments", "overdue-recovery"):
        assert "第七十条" in GUIDES[slug]["body"] and "“可以”" in GUIDES[slug]["body"], slug


# --- terms explained once, in the glossary ---------------------------------------------------------------

PASTED_DEFINITION = re.compile(r"征信[，,]?(指|是)中国人民银行征信中心保存的个人信用(报告|记录)")
GLOSSARY_TERMS = ["征信", "查询记录", "逾期", "多头借贷", "负债率", "年化利率", "砍头息", "协商还款和停息挂账",
                  "征信异议", "一次性信用修复"]  # fmt: skip


def test_the_credit_report_definition_is_no_longer_pasted_into_every_guide():
    pasted = [slug for slug, g in GUIDES.items() if PASTED_DEFINITION.search(g["body"]) and slug != "glossary"]
    assert pasted == []


def test_glossary_has_an_anchor_for_every_term_and_every_link_to_it_lands():
    _, toc = render_guide_body(GUIDES["glossary"]["body"])
    anchors = {item["id"] for item in toc}
    assert set(GLOSSARY_TERMS) <= anchors
    linking = 0
    for slug, guide in GUIDES.items():
        targets = re.findall(r"\(/guides/glossary/#([^)]+)\)", guide["body"])
        linking += bool(targets)
        assert set(targets) <= anchors, (slug, set(targets) - anchors)
    assert linking >= 15


def test_every_internal_link_points_to_a_guide_or_the_tool():
    for slug, guide in GUIDES.items():
        for target in re.findall(r"\]\((/[^)#]*)", guide["body"]):
            assert target == "/tools/loan-cost/" or (
                target.startswith("/guides/") and target.strip("/").split("/")[1] in GUIDES
            ), (slug, target)


def test_loan_cost_tool_is_linked_where_people_weigh_an_offer():
    wanted = {"before-you-borrow", "credit-cards-installments"}
    wanted |= {slug for slug, g in GUIDES.items() if g["category"] == "alternative-financing"}
    for slug in wanted:
        assert "(/tools/loan-cost/)" in GUIDES[slug]["body"], slug


# --- sources ---------------------------------------------------------------------------------------------

DOCUMENT = re.compile(r"《([^》]+)》|〔(\d{4})〕第?(\d+)号")


def citation_keys(title):
    """What a reader would see in the text when a document is cited: its 《name》 or its number."""
    keys = []
    for name, year, number in DOCUMENT.findall(title):
        if name:
            keys.append(name.removeprefix("中华人民共和国"))
        else:
            keys.append(f"〔{year}〕")
            keys.append(f"{number}号")
    return keys


def is_specific(reference):
    url = reference.get("url", "")
    bare_home_page = bool(url) and re.fullmatch(r"https?://[^/]+/?", url)
    return bool(DOCUMENT.search(reference["title"])) and not bare_home_page


@pytest.mark.parametrize("slug", sorted(GUIDES))
def test_every_guide_cites_two_specific_documents_beside_its_claims(slug):
    guide = GUIDES[slug]
    specific = [r for r in guide.get("references", []) if is_specific(r)]
    assert len(specific) >= 2, slug
    body = guide["body"]
    cited = [r["title"] for r in specific if all(key in body for key in citation_keys(r["title"]))]
    assert len(cited) >= 2, (slug, [r["title"] for r in specific])


@pytest.mark.parametrize("slug", sorted(GUIDES))
def test_every_guide_has_a_review_history_ending_on_its_last_review(slug):
    guide = GUIDES[slug]
    reviews = guide.get("reviews") or []
    assert reviews, slug
    assert max(r["date"] for r in reviews) == guide["last_reviewed"], slug
    assert all(len(r["note"]) >= 6 for r in reviews), slug


# --- the new guides --------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", NEW_GUIDES)
def test_the_new_guides_exist_and_are_long_enough(slug):
    guide = GUIDES[slug]
    assert guide["status"] == "published"
    assert len(squeeze(guide["body"])) >= 600
    assert guide["category"] in Category.values


def test_new_guides_name_the_help_the_issue_asks_for():
    collection = GUIDES["debt-collection-rights"]["body"]
    for needed in ("12378", "110", "12348", "失信被执行人", "强制执行", "书面"):
        assert needed in collection, needed
    too_much = GUIDES["when-it-feels-too-much"]["body"]
    assert "12356" in too_much and "12348" in too_much and "家人" in too_much
    report = GUIDES["read-credit-report"]["body"]
    for needed in ("贷款审批", "贷后管理", "公共记录", "本人声明", "异议", "一次性信用修复"):
        assert needed in report, needed
    borrow = GUIDES["before-you-borrow"]["body"]
    for needed in ("冷静", "砍头息", "不看征信", "先收钱"):
        assert needed in borrow, needed
    existing = GUIDES["existing-loans-after-line-closes"]["body"]
    assert "还款计划" in existing and "提前还款" in existing and "按时还" in existing
    licence = GUIDES["check-lender-licence"]["body"]
    assert "地方金融管理局" in licence and "国家金融监督管理总局" in licence


def test_seed_articles_are_not_copied():
    tool = Path(__file__).resolve().parents[2] / "shared" / "tools" / "seed_overlap.py"
    if not tool.exists():
        pytest.skip("the shared seed-overlap tool is not next to this checkout")
    result = subprocess.run(
        [sys.executable, str(tool), str(Path(__file__).resolve().parents[1])], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout


# --- what readers get ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hotlines_on_guide_pages_are_tap_to_call_links(client, content):
    html = client.get("/guides/debt-collection-rights/").content.decode()
    for number in ("12378", "110", "12348", "95188"):
        assert f'<a href="tel:{number}">{number}</a>' in html, number
    assert '<a href="tel:12356">12356</a>' in client.get("/guides/when-it-feels-too-much/").content.decode()


@pytest.mark.django_db
def test_guide_page_shows_its_review_history(client, content):
    guide = Guide.objects.get(slug="credit-repair-scams")
    html = client.get(guide.get_absolute_url()).content.decode()
    assert 'href="#review-history"' in html and 'id="review-history"' in html
    for review in guide.reviews.all():
        assert review.note in html
        assert f'datetime="{review.reviewed_on:%Y-%m-%d}"' in html

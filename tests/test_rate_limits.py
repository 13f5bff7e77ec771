"""Rate limits that stop floods without stalling the many people who share one address.

Mobile carrier NAT and campus networks put many people behind one IPv4 address, so answers are limited per checkup
(CHECKUP_RATE_LIMIT a minute, keyed on the checkup's own token) and only a high ceiling applies per address
(ADDRESS_RATE_LIMIT a minute, for floods and mass creation of new checkups). The counters live in the configured
cache: local memory here, the shared Redis when REDIS_URL is set (CI's PostgreSQL pass).
"""

import pytest
from django.core.cache import cache
from django.test import Client

from diagnosis.models import Assessment

from .journeys import SYMPTOMS, answer_all, finish

pytestmark = pytest.mark.django_db
SHARED = "198.51.100.7"  # one carrier-grade NAT address


@pytest.fixture(autouse=True)
def no_counts_yet():
    cache.clear()
    yield
    cache.clear()


def person(address=SHARED):
    return Client(REMOTE_ADDR=address)


def assert_friendly_429(response):
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "提交得太快了" in response.content.decode()


def test_the_defaults_are_the_documented_ones(settings):
    assert settings.CHECKUP_RATE_LIMIT == 30 and settings.ADDRESS_RATE_LIMIT == 1000  # README, configuration


def test_thirty_people_behind_one_address_all_finish(kb, content):
    results = set()
    for n in range(30):
        browser = person()
        answer_all(browser, kb, {"symptom": SYMPTOMS[n % len(SYMPTOMS)]})
        result_url = finish(browser)
        assert browser.get(result_url).status_code == 200
        results.add(result_url)
    assert len(results) == 30 and Assessment.objects.filter(finished_at__isnull=False).count() == 30


def test_one_checkup_posting_hundreds_of_answers_a_minute_is_stopped(kb, content, settings):
    hammer = person()
    assert hammer.post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code == 302  # creates the checkup
    codes = [hammer.post("/checkup/scam_contact/", {"scam_contact": "no"}).status_code for _ in range(200)]
    limit = settings.CHECKUP_RATE_LIMIT
    assert codes[:limit] == [302] * limit
    assert set(codes[limit:]) == {429}
    assert_friendly_429(hammer.post("/checkup/scam_contact/", {"scam_contact": "no"}))
    assert hammer.get("/checkup/scam_contact/").status_code == 200  # reading is never limited

    neighbour = person()  # same address, own checkup: unaffected
    assert neighbour.post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code == 302
    assert neighbour.post("/checkup/scam_contact/", {"scam_contact": "no"}).status_code == 302


def test_the_per_address_ceiling_stops_mass_creation_of_checkups(content, settings):
    settings.ADDRESS_RATE_LIMIT = 40
    codes = [person().post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code for _ in range(45)]
    assert codes[:40] == [302] * 40 and set(codes[40:]) == {429}
    assert Assessment.objects.count() == 40
    assert_friendly_429(person().post("/checkup/symptom/", {"symptom": "limit_gone"}))
    assert person("203.0.113.9").post("/checkup/symptom/", {"symptom": "limit_gone"}).status_code == 302


def test_votes_are_limited_per_result_not_per_address(kb, content, settings):
    owners = [person() for _ in range(2)]
    results = []
    for browser in owners:
        answer_all(browser, kb, {"symptom": "cannot_borrow", "overdue": "current"})
        results.append(finish(browser))
    settings.CHECKUP_RATE_LIMIT = 5
    vote = {"cause": "current_overdue", "verdict": "right"}
    codes = [owners[0].post(f"{results[0]}vote/", vote).status_code for _ in range(7)]
    assert codes[:5] == [302] * 5 and set(codes[5:]) == {429}
    assert owners[1].post(f"{results[1]}vote/", vote).status_code == 302


def test_guide_feedback_is_limited_per_browser_and_per_address(content, settings):
    settings.CHECKUP_RATE_LIMIT = 3
    reader = person()
    codes = [reader.post("/guides/credit-report/feedback/", {"helpful": "yes"}).status_code for _ in range(6)]
    # The first vote sets the voter cookie; the limit counts that browser from then on.
    assert codes[:4] == [302] * 4 and set(codes[4:]) == {429}
    assert person().post("/guides/credit-report/feedback/", {"helpful": "no"}).status_code == 302

"""Moving votes, follow-ups and tallies into `outcomes` (and the content revision into `guides`) keeps every row.

The database is taken back to the last state before the move, filled there through the historical models as a
live site would have been, and migrated forward again; every row must then be readable through today's models,
and the editors must still be allowed to read guide feedback. Runs on SQLite and PostgreSQL alike.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from diagnosis.models import Assessment
from guides.models import ContentRevision, Guide
from outcomes.models import FindingVote, FollowUp, GuideVote, Tally

LAST_BEFORE_THE_MOVE = [("diagnosis", "0003_content_editor_group"), ("guides", "0002_feedback")]
BEFORE_THE_MOVE = [*LAST_BEFORE_THE_MOVE, ("outcomes", None)]  # and no outcomes app yet
EDITORS = "内容编辑"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def fill_the_old_tables(apps):
    """What a live site held before the move: a finished result with a vote and a follow-up, guide feedback,
    daily counts and a content revision, written through the models as they were then."""
    now = timezone.now()
    guide = apps.get_model("guides", "Guide").objects.create(
        slug="old-guide", title="旧指南", summary="摘要", category="safety", body="正文", body_html="<p>正文</p>",
        status="published", last_reviewed=date(2026, 1, 1), order=1,
    )  # fmt: skip
    assessment = apps.get_model("diagnosis", "Assessment").objects.create(
        token="T" * 22, answers={"symptom": "limit_gone"}, finished_at=now, expires_at=now + timedelta(days=30)
    )
    apps.get_model("diagnosis", "FindingVote").objects.create(
        assessment=assessment, cause="scam_risk", verdict="right", voter="voter-1"
    )
    apps.get_model("diagnosis", "FollowUp").objects.create(
        assessment=assessment, outcome="partly", top_cause="scam_risk"
    )
    Tally = apps.get_model("diagnosis", "Tally")
    Tally.objects.create(day=date(2026, 11, 1), kind="started", key="limit_gone", count=7)
    Tally.objects.create(day=date(2026, 11, 2), kind="verdict", key="scam_risk:right", count=3)
    apps.get_model("guides", "GuideVote").objects.create(guide=guide, helpful=False, comment="看不懂", voter="voter-2")
    apps.get_model("diagnosis", "ContentRevision").objects.update_or_create(pk=1, defaults={"number": 41})


@pytest.mark.django_db(transaction=True)
def test_moving_the_outcome_tables_keeps_every_row():
    executor = migrate(BEFORE_THE_MOVE)
    fill_the_old_tables(executor.loader.project_state(LAST_BEFORE_THE_MOVE).apps)

    migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assessment = Assessment.objects.by_token("T" * 22)  # the token is hashed on the way (0005_hash_result_tokens)
    vote = FindingVote.objects.get()
    assert (vote.assessment, vote.cause, vote.verdict, vote.voter) == (assessment, "scam_risk", "right", "voter-1")
    assert (assessment.follow_up.outcome, assessment.follow_up.top_cause) == ("partly", "scam_risk")
    assert sorted(Tally.objects.values_list("day", "kind", "key", "count")) == [
        (date(2026, 11, 1), "started", "limit_gone", 7),
        (date(2026, 11, 2), "verdict", "scam_risk:right", 3),
    ]
    guide_vote = GuideVote.objects.get()
    assert (guide_vote.guide, guide_vote.helpful, guide_vote.comment) == (
        Guide.objects.get(slug="old-guide"),
        False,
        "看不懂",
    )
    assert ContentRevision.objects.get(pk=1).number == 41

    # The rows still belong together: deleting the result takes its vote and follow-up with it.
    assessment.delete()
    assert not FindingVote.objects.exists() and not FollowUp.objects.exists()

    # Content types moved with the models, so the editors' permission to read guide feedback followed.
    assert {ct.app_label for ct in ContentType.objects.filter(model__in=["findingvote", "followup", "tally"])} == {
        "outcomes"
    }
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("content_type__app_label", "codename"))
    assert ("outcomes", "view_guidevote") in editors
    assert ContentType.objects.get(model="contentrevision").app_label == "guides"


BEFORE_CONDITIONS = [("diagnosis", "0005_hash_result_tokens"), ("guides", "0004_reviews_and_search_synonyms")]


@pytest.mark.django_db(transaction=True)
def test_giving_cause_guide_links_conditions_keeps_every_link():
    """0006 turns the plain cause → guide link table into CauseGuide in Django's state only: the rows stay."""
    from diagnosis.models import CauseAction, CauseGuide

    executor = migrate([BEFORE_CONDITIONS[0]])
    apps = executor.loader.project_state(BEFORE_CONDITIONS).apps
    guide = apps.get_model("guides", "Guide").objects.create(
        slug="linked-guide", title="旧指南", summary="摘要", category="safety", body="正文", body_html="<p>正文</p>",
        status="published", last_reviewed=date(2026, 1, 1), order=1,
    )  # fmt: skip
    cause = apps.get_model("diagnosis", "Cause").objects.create(slug="linked-cause", title="旧原因", explanation="解释")
    cause.guides.add(guide)
    links_before = apps.get_model("diagnosis", "Cause").guides.through.objects.count()
    apps.get_model("auth", "Group").objects.get_or_create(name=EDITORS)  # as 0003 made it (a flush may have gone)

    migrate(executor.loader.graph.leaf_nodes())

    link = CauseGuide.objects.get(cause__slug="linked-cause")
    assert (link.guide.slug, link.when, link.unless) == ("linked-guide", [], [])
    assert CauseGuide.objects.count() == links_before
    assert all(a.when == [] and a.unless == [] for a in CauseAction.objects.all())
    link.when = ["business_owner=yes"]
    link.save()
    assert CauseGuide.objects.get(pk=link.pk).when == ["business_owner=yes"]
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    assert {"add_causeguide", "change_causeguide", "delete_causeguide", "view_causeguide"} <= editors

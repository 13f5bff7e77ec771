"""Recording what people tell us, and counting what happens, for the editors' dashboard.

A browser gets a random voter id (a signed cookie; not linked to anything personal) so each person
votes once per finding or guide and can change their mind without being counted twice. Every event
also moves a `Tally`, which outlives the purge of the result it came from.
"""

import secrets

from django.db import transaction
from django.utils import timezone

from config import cookies

from .models import FindingVote, FollowUp, GuideVote, Tally

VOTER_COOKIE = "voter"
VOTER_SALT = "diagnosis.voter"  # the salt it was first signed with: changing it would forget every voter
VOTER_MAX_AGE = 365 * 24 * 3600
# A no-JavaScript vote's thank-you is a message tagged with its finding, so the result page shows it in that box.
THANKS_TAG = "finding-vote:"


def voter_id(request):
    """(voter id, whether it is new and must be remembered on the response)."""
    voter = cookies.read_signed(request, VOTER_COOKIE, salt=VOTER_SALT)
    if voter and len(voter) <= 32:
        return voter, False
    return secrets.token_urlsafe(12), True


def remember_voter(response, voter, is_new):
    if is_new:
        cookies.set_signed(response, VOTER_COOKIE, voter, salt=VOTER_SALT, max_age=VOTER_MAX_AGE)
    return response


# --- the checkup's events (sent by diagnosis, received in receivers.py) ------------------------------------


def record_started(symptom):
    Tally.add(Tally.Kind.STARTED, symptom or "")


def record_answered(question_slug):
    Tally.add(Tally.Kind.ANSWERED, question_slug)


def record_reached(screen_slug):
    Tally.add(Tally.Kind.REACHED, screen_slug)


def record_finished(symptom, diagnosis):
    Tally.add(Tally.Kind.FINISHED, symptom)
    for finding in diagnosis.findings:
        if finding.likelihood in ("high", "medium"):
            Tally.add(Tally.Kind.CAUSE, f"{symptom}:{finding.cause}")


# --- what people tell us -------------------------------------------------------------------------------------


@transaction.atomic
def record_finding_vote(assessment, cause, verdict, voter):
    vote = FindingVote.objects.select_for_update().filter(assessment=assessment, cause=cause, voter=voter).first()
    if vote is not None and vote.verdict == verdict:
        return vote
    if vote is None:
        vote = FindingVote.objects.create(assessment=assessment, cause=cause, verdict=verdict, voter=voter)
    else:
        Tally.add(Tally.Kind.VERDICT, f"{cause}:{vote.verdict}", -1, day=timezone.localdate(vote.created_at))
        vote.verdict = verdict
        vote.save(update_fields=["verdict"])
    Tally.add(Tally.Kind.VERDICT, f"{cause}:{verdict}", day=timezone.localdate(vote.created_at))
    return vote


@transaction.atomic
def record_follow_up(assessment, outcome, top_cause):
    """Counted on the day of the first answer; a changed answer moves that day's count."""
    follow_up = FollowUp.objects.select_for_update().filter(assessment=assessment).first()
    if follow_up is not None:
        if follow_up.outcome == outcome:
            return follow_up
        day = timezone.localdate(follow_up.created_at)
        Tally.add(Tally.Kind.OUTCOME, f"{follow_up.top_cause}:{follow_up.outcome}", -1, day=day)
        follow_up.outcome = outcome
        follow_up.save(update_fields=["outcome", "answered_at"])
    else:
        follow_up = FollowUp.objects.create(assessment=assessment, outcome=outcome, top_cause=top_cause)
    Tally.add(Tally.Kind.OUTCOME, f"{follow_up.top_cause}:{outcome}", day=timezone.localdate(follow_up.created_at))
    return follow_up


@transaction.atomic
def record_guide_vote(guide, helpful, comment, voter):
    """Counted on the day of the first vote; a changed vote moves that day's count, a new comment is kept."""
    vote = GuideVote.objects.select_for_update().filter(guide=guide, voter=voter).first()
    if vote is None:
        vote = GuideVote.objects.create(guide=guide, helpful=helpful, comment=comment, voter=voter)
    else:
        if comment:
            vote.comment = comment
        if vote.helpful == helpful:
            vote.save(update_fields=["comment"])
            return vote
        day = timezone.localdate(vote.created_at)
        Tally.add(Tally.Kind.HELPFUL, f"{guide.slug}:{'yes' if vote.helpful else 'no'}", -1, day=day)
        vote.helpful = helpful
        vote.save(update_fields=["helpful", "comment"])
    day = timezone.localdate(vote.created_at)
    Tally.add(Tally.Kind.HELPFUL, f"{guide.slug}:{'yes' if helpful else 'no'}", day=day)
    return vote

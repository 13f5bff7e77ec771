"""The checkup's events (diagnosis.signals) counted into daily tallies, in the request that caused them."""

from django.dispatch import receiver

from diagnosis.signals import checkup_finished, checkup_started, question_answered, screen_reached

from . import recording


@receiver(checkup_started, dispatch_uid="outcomes-count-started")
def _started(sender, symptom, **kwargs):
    recording.record_started(symptom)


@receiver(question_answered, dispatch_uid="outcomes-count-answered")
def _answered(sender, question, **kwargs):
    recording.record_answered(question)


@receiver(screen_reached, dispatch_uid="outcomes-count-reached")
def _reached(sender, screen, **kwargs):
    recording.record_reached(screen)


@receiver(checkup_finished, dispatch_uid="outcomes-count-finished")
def _finished(sender, diagnosis, **kwargs):
    recording.record_finished(sender.symptom, diagnosis)

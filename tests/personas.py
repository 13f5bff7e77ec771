"""The personas of tests/personas.yaml, walked through the full questionnaire and the adaptive checkup.

Shared by tests/test_personas.py (which asserts the targets) and tests/interview_bench.py (which prints them).
"""

import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from diagnosis import interview
from diagnosis.engine import diagnose

PERSONAS_FILE = Path(__file__).resolve().parent / "personas.yaml"


@dataclass(frozen=True)
class Persona:
    slug: str
    story: str
    answers: dict
    expect: tuple  # acceptable top causes; empty: no clear cause
    never: tuple


@cache
def personas():
    raw = yaml.safe_load(PERSONAS_FILE.read_text(encoding="utf-8"))["personas"]
    return tuple(
        Persona(
            slug=p["slug"],
            story=p["story"],
            answers={str(k): str(v) for k, v in p["answers"].items()},
            expect=tuple(p.get("expect") or ()),
            never=tuple(p.get("never") or ()),
        )
        for p in raw
    )


def full_walk(persona, kb):
    """The full questionnaire: every screen on the path, answered as this person would ("continue" mode)."""
    return interview.walk(persona.answers, kb, more=True)


def counsellor_disagreements(persona, kb):
    """What in the full questionnaire's result a counsellor would object to, for this person (empty: agrees)."""
    result = diagnose(full_walk(persona, kb).answers, kb)
    problems = []
    top = result.findings[0].cause if result.findings else None
    if persona.expect:
        if top not in persona.expect:
            problems.append(f"top cause {top}, expected one of {list(persona.expect)}")
        if not result.clear_cause:
            problems.append("no clear cause, expected one")
    elif result.clear_cause:
        problems.append(f"a clear cause ({top}), expected none")
    shown = {f.cause for f in result.findings}
    problems += [f"shows {cause}, which it never should" for cause in persona.never if cause in shown]
    return problems


@dataclass(frozen=True)
class Comparison:
    persona: Persona
    screens: int  # adaptive screens, the symptom included
    full_screens: int
    stop_reason: str
    same_top: bool
    same_top_three: bool
    urgent_missed: tuple
    adaptive_top: tuple
    full_top: tuple
    estimates: tuple  # "大约还有 N 步" on each screen


def compare(persona, kb):
    adaptive = interview.walk(persona.answers, kb)
    full = full_walk(persona, kb)
    adaptive_result = diagnose(adaptive.answers, kb)
    full_result = diagnose(full.answers, kb)
    adaptive_top = tuple(f.cause for f in adaptive_result.findings[:3])
    full_top = tuple(f.cause for f in full_result.findings[:3])
    urgent_shown = {f.cause for f in adaptive_result.findings if f.urgent}
    return Comparison(
        persona=persona,
        screens=adaptive.screens,
        full_screens=full.screens,
        stop_reason=adaptive.stop_reason,
        same_top=adaptive_top[:1] == full_top[:1],
        same_top_three=set(adaptive_top) == set(full_top),
        urgent_missed=tuple(f.cause for f in full_result.findings if f.urgent and f.cause not in urgent_shown),
        adaptive_top=adaptive_top,
        full_top=full_top,
        estimates=tuple(step.remaining for step in adaptive.steps),
    )


@dataclass(frozen=True)
class Figures:
    people: int
    median_screens: float
    max_screens: int
    median_full_screens: float
    same_top: float
    same_top_three: float
    urgent_missed: int


def figures(comparisons):
    comparisons = list(comparisons)
    n = len(comparisons)
    return Figures(
        people=n,
        median_screens=statistics.median(c.screens for c in comparisons),
        max_screens=max(c.screens for c in comparisons),
        median_full_screens=statistics.median(c.full_screens for c in comparisons),
        same_top=sum(c.same_top for c in comparisons) / n,
        same_top_three=sum(c.same_top and c.same_top_three for c in comparisons) / n,
        urgent_missed=sum(bool(c.urgent_missed) for c in comparisons),
    )

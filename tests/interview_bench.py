"""`make bench-interview`: how many screens the adaptive checkup asks, and how often it agrees with the full one.

Runs on the committed content files (no server, no database). Walks every persona of tests/personas.yaml through the
adaptive checkup and through every screen ("continue" mode), and prints the figures docs/interview.md quotes:
question screens (the symptom included, a grouped screen counted once), the share with the same top cause and the
same top-three set, urgent causes missed. Then the same for people drawn at random from the answer priors (each
answer independent of the others: a harsher crowd than real people, whose answers hang together), and the time one
decision takes. Targets (issue 12, on the personas): median ≤ 8 screens, max ≤ 12, ≥ 95 % same top cause and same
top three, no urgent cause missed.
"""

import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diagnosis import interview
from tests.content_kb import default_knowledge_base
from tests.personas import Persona, compare, counsellor_disagreements, figures, personas

CROWD = 300


def crowd(kb, size, seed=2026):
    rng = random.Random(seed)
    symptoms = [c.slug for c in kb.question("symptom").choices]
    people = []
    for number in range(size):
        answers = {"symptom": rng.choice(symptoms)}
        for question in kb.questions[1:]:
            weights = [c.prior if c.prior is not None else 1 for c in question.choices]
            answers[question.slug] = rng.choices([c.slug for c in question.choices], weights)[0]
        people.append(Persona(f"crowd-{number}", "", answers, (), ()))
    return people


def line(label, result):
    return (
        f"{label:<28} {result.people:>4}  median {result.median_screens:>4} (full {result.median_full_screens:>4})"
        f"  max {result.max_screens:>2}  same top {result.same_top:6.1%}  same top three {result.same_top_three:6.1%}"
        f"  urgent missed {result.urgent_missed}"
    )


def main():
    kb = default_knowledge_base()
    people = personas()
    disagreements = {p.slug: counsellor_disagreements(p, kb) for p in people}
    print(f"Full questionnaire vs the counsellor: {sum(not d for d in disagreements.values())}/{len(people)} agree")
    for slug, problems in disagreements.items():
        if problems:
            print(f"  {slug}: {'; '.join(problems)}")

    comparisons = [compare(p, kb) for p in people]
    print()
    print(line("personas", figures(comparisons)))
    by_symptom = defaultdict(list)
    for c in comparisons:
        by_symptom[c.persona.answers["symptom"]].append(c)
    for symptom, group in sorted(by_symptom.items()):
        print(line(f"  {symptom}", figures(group)))
    reasons = defaultdict(int)
    for c in comparisons:
        reasons[c.stop_reason] += 1
    print("  stopped because:", ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items())))
    print()
    for c in comparisons:
        mark = "" if c.same_top and c.same_top_three else "   <-- differs"
        print(
            f"  {c.persona.slug:<30} {c.screens:>2}/{c.full_screens:<2} {c.stop_reason:<8}"
            f" {','.join(c.adaptive_top) or '—'}{mark}"
        )

    started = time.perf_counter()
    crowd_comparisons = [compare(p, kb) for p in crowd(kb, CROWD)]
    elapsed = time.perf_counter() - started
    print()
    print(line(f"crowd from the priors (n={CROWD})", figures(crowd_comparisons)))

    kb.memo.clear()
    timings = []
    for c in comparisons:
        answers = {}
        for step in interview.walk(c.persona.answers, kb).steps:
            answers |= step.answers
            kb.memo.clear()
            t0 = time.perf_counter()
            interview.decide(answers, kb)
            timings.append(time.perf_counter() - t0)
    kb.memo.clear()
    estimate_timings = []
    for c in comparisons[::5]:
        walk = interview.walk(c.persona.answers, kb)
        kb.memo.clear()
        t0 = time.perf_counter()
        interview.remaining_screens(walk.answers, kb)
        estimate_timings.append(time.perf_counter() - t0)
    timings.sort()
    print(
        f"\none decision, cold: median {statistics.median(timings) * 1000:.1f} ms,"
        f" p95 {timings[int(0.95 * (len(timings) - 1))] * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms;"
        f" the remaining-steps estimate at the end of a walk, cold: max {max(estimate_timings) * 1000:.0f} ms;"
        f" {CROWD} crowd walks (twice each) took {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()

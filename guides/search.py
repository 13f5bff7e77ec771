"""Guide search: a handful of guides, so rank in Python the same way on SQLite and PostgreSQL.

A title hit outranks a summary hit, which outranks a body hit; every search word must appear somewhere.
Chinese has no spaces, so a query is split on spaces only and each part matched as a substring.
People type what happened to them ("我被骗了", "额度没了"), not the guides' words: editable synonyms
(`SearchSynonym`) add the guides' words for a phrase found inside a search word, and can put one guide first.
"""

from dataclasses import dataclass

TITLE_WEIGHT = 10
SUMMARY_WEIGHT = 4
BODY_WEIGHT = 1


@dataclass(frozen=True)
class Synonym:
    phrase: str
    words: tuple[str, ...] = ()
    guide: str = ""  # slug of the guide to list first, or ""


def _word_score(guide, word):
    return (
        TITLE_WEIGHT * guide.title.lower().count(word)
        + SUMMARY_WEIGHT * guide.summary.lower().count(word)
        + BODY_WEIGHT * min(guide.body.lower().count(word), 5)
    )


def score(guide, terms):
    """`terms` is a list of alternatives per search word; a word scores as its best alternative."""
    total = 0
    for alternatives in terms:
        if isinstance(alternatives, str):
            alternatives = (alternatives,)
        term_score = max(_word_score(guide, word) for word in alternatives)
        if term_score == 0:
            return 0
        total += term_score
    return total


def expand(query, synonyms=()):
    """The search words of a query, each with the synonym words it brings, and the guides to list first."""
    words = [t for t in query.lower().split() if t][:5]
    terms, first = [], []
    for word in words:
        # The longest phrase wins ("征信花了" before "征信"); at equal length, the one typed first.
        matched = sorted(
            (s for s in synonyms if s.phrase and s.phrase.lower() in word),
            key=lambda s: (-len(s.phrase), word.index(s.phrase.lower()), s.phrase),
        )
        terms.append((word, *dict.fromkeys(w.lower() for s in matched for w in s.words)))
        first.extend(s.guide for s in matched if s.guide and s.guide not in first)
    return terms, first


def search_guides(guides, query, synonyms=()):
    terms, first = expand(query, synonyms)
    if not terms:
        return []
    scored = [(score(g, terms), g) for g in guides]
    found = [g for s, g in sorted(scored, key=lambda pair: (-pair[0], pair[1].category, pair[1].order)) if s > 0]
    pinned = [g for slug in first for g in guides if g.slug == slug]
    return pinned + [g for g in found if g not in pinned]

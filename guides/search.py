"""Guide search: a handful of guides, so rank in Python the same way on SQLite and PostgreSQL.

A title hit outranks a summary hit, which outranks a body hit; every search word must appear somewhere.
Chinese has no spaces, so a query is split on spaces only and each part matched as a substring.
"""

TITLE_WEIGHT = 10
SUMMARY_WEIGHT = 4
BODY_WEIGHT = 1


def score(guide, terms):
    total = 0
    for term in terms:
        term_score = (
            TITLE_WEIGHT * guide.title.lower().count(term)
            + SUMMARY_WEIGHT * guide.summary.lower().count(term)
            + BODY_WEIGHT * min(guide.body.lower().count(term), 5)
        )
        if term_score == 0:
            return 0
        total += term_score
    return total


def search_guides(guides, query):
    terms = [t for t in query.lower().split() if t][:5]
    if not terms:
        return []
    scored = [(score(g, terms), g) for g in guides]
    return [g for s, g in sorted(scored, key=lambda pair: (-pair[0], pair[1].category, pair[1].order)) if s > 0]

"""The engine's `KnowledgeBase` built straight from the content files, for tests and benches that need no database.

A stand-in until `KnowledgeBase.from_content()` (issue 11) builds the same objects from the same dicts; it reads
only what the engine and the interview use, in the same order the database gives (questions by `order`, causes by
`order`, choices as listed, published guides only).
"""

from functools import cache
from pathlib import Path

import yaml

from diagnosis.engine import ActionInfo, CauseInfo, ChoiceInfo, EvidenceRule, GuideLink, KnowledgeBase, QuestionInfo

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_BASE_FILE = ROOT / "diagnosis" / "content" / "knowledge_base.yaml"
GUIDES_DIR = ROOT / "guides" / "content"


def read_guides(directory=GUIDES_DIR):
    """slug → (title, category, status) from each guide's front matter."""
    guides = {}
    for path in sorted(Path(directory).glob("*.md")):
        if path.stem.upper() == path.stem:
            continue
        front = path.read_text(encoding="utf-8")[4:].partition("\n---\n")[0]
        meta = yaml.safe_load(front) or {}
        guides[str(meta["slug"])] = (meta["title"], meta["category"], meta.get("status", "published"))
    return guides


def knowledge_base_from_content(content, guides):
    """The engine's plain objects from the knowledge-base dicts (as in the YAML) and the guides' front matter."""
    actions = {
        a["slug"]: ActionInfo(a["slug"], a["text"], priority=int(a.get("priority", 50))) for a in content["actions"]
    }
    questions = sorted(content["questions"], key=lambda q: int(q.get("order", 100)))
    causes = sorted(content["causes"], key=lambda c: int(c.get("order", 100)))
    evidence = []
    for cause in causes:
        for row in cause.get("evidence") or []:
            question, _, choice = str(row["answer"]).partition("=")
            evidence.append(EvidenceRule(question, choice, cause["slug"], int(row["weight"])))
    return KnowledgeBase(
        questions=tuple(
            QuestionInfo(
                slug=str(q["slug"]),
                text=q["text"],
                short_label=q.get("short_label") or "",
                help_text=q.get("help_text") or "",
                choices=tuple(
                    ChoiceInfo(
                        slug=str(c["slug"]),
                        label=c["label"],
                        help_text=c.get("help_text") or "",
                        summary_text=c.get("summary_text") or "",
                        prior=c.get("prior"),
                        tick=c.get("tick") or "",
                    )
                    for c in q["choices"]
                ),
                asked_for=frozenset(str(s) for s in q.get("asked_for") or []),
                in_service_summary=bool(q.get("in_service_summary", True)),
                triage=int(q.get("triage") or 0),
                ask_when=frozenset(tuple(str(a).split("=", 1)) for a in q.get("ask_when") or []),
                screen=str(q.get("screen") or ""),
                unticked=str(q.get("unticked") or ""),
            )
            for q in questions
        ),
        causes=tuple(
            CauseInfo(
                slug=c["slug"],
                title=c["title"],
                explanation=c.get("explanation") or "",
                what_would_change=c.get("what_would_change") or "",
                urgent=bool(c.get("urgent", False)),
                urgent_message=c.get("urgent_message") or "",
                actions=tuple(actions[slug] for slug in c.get("actions") or []),
                guides=tuple(
                    GuideLink(slug, guides[slug][0], guides[slug][1])
                    for slug in c.get("guides") or []
                    if slug in guides and guides[slug][2] == "published"
                ),
            )
            for c in causes
        ),
        evidence=tuple(evidence),
    )


@cache
def default_knowledge_base():
    """The committed default content as the engine sees it (immutable, so shared)."""
    content = yaml.safe_load(KNOWLEDGE_BASE_FILE.read_text(encoding="utf-8"))
    return knowledge_base_from_content(content, read_guides())

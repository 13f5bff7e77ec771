"""Default content kept as files in the repo: the knowledge base (YAML) and the guides (Markdown).

The same dict shapes serve both directions, so load → export → load is lossless by construction.
`load` is idempotent and careful: an item an editor changed in the admin since it was last loaded is
left alone (reported as "kept") unless `force` is given. A fingerprint of what was loaded tells the two apart.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from guides.models import Guide, Reference

from .models import Action, Cause, CauseAction, Choice, Evidence, LoadedContent, Question

KNOWLEDGE_BASE_FILE = Path(settings.BASE_DIR) / "diagnosis" / "content" / "knowledge_base.yaml"
GUIDES_DIR = Path(settings.BASE_DIR) / "guides" / "content"

KB_HEADER = """\
# The default diagnosis knowledge base, loaded by `python manage.py load_content`.
# Editors change it in the admin; `python manage.py export_content` writes the database back here.
# Slugs of questions, choices and causes are a public contract: add, never rename.
#
# Weights: -10..10. A cause's score is the sum of the weights of the answers given;
# 6 or more reads "很可能" (high), 3–5 "可能" (medium), 1–2 "不太可能" (low); 0 or less is not shown.
# One decisive answer (overdue now, a scam contact, being a minor) is worth 10; a strong sign 5–6;
# a supporting sign 1–3. Negative weights are answers that make a cause less likely.

"""


class ContentError(ValueError):
    """A content file is malformed or refers to something that does not exist."""


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # edited in the admin, not overwritten

    def summary(self):
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, kept admin edits {len(self.kept)}"
        )


# --- database rows → dicts (export) -------------------------------------------------------------


def question_to_dict(q):
    return {
        "slug": q.slug,
        "text": q.text,
        "short_label": q.short_label,
        "help_text": q.help_text,
        "order": q.order,
        "asked_for": sorted(c.slug for c in q.asked_for.all()),
        "in_service_summary": q.in_service_summary,
        **_interview_keys(
            triage=q.triage or None,
            ask_when=sorted(f"{c.question.slug}={c.slug}" for c in q.ask_when.select_related("question")),
            screen=q.screen,
            unticked=q.unticked,
        ),
        "choices": [
            {
                "slug": c.slug,
                "label": c.label,
                "help_text": c.help_text,
                "summary_text": c.summary_text,
                **_interview_keys(prior=c.prior, tick=c.tick),
            }
            for c in q.choices.order_by("order", "id")
        ],
    }


def _interview_keys(**values):
    """The adaptive checkup's optional keys, written only when set so files without them stay as they were."""
    return {key: value for key, value in values.items() if value is not None and value not in ("", [])}


def action_to_dict(a):
    return {"slug": a.slug, "text": a.text, "detail": a.detail, "priority": a.priority}


def cause_to_dict(c):
    return {
        "slug": c.slug,
        "title": c.title,
        "urgent": c.urgent,
        "urgent_message": c.urgent_message,
        "explanation": c.explanation,
        "what_would_change": c.what_would_change,
        "order": c.order,
        "actions": [ca.action.slug for ca in c.cause_actions.select_related("action").order_by("order", "id")],
        "guides": sorted(c.guides.values_list("slug", flat=True), key=_guide_sort_key(c)),
        "evidence": [
            {"answer": f"{e.choice.question.slug}={e.choice.slug}", "weight": e.weight, "note": e.note}
            for e in c.evidence.select_related("choice__question").order_by("id")
        ],
    }


def _guide_sort_key(cause):
    """Keep the file's order of a cause's guides: the through table's ids follow insertion order."""
    ids = {slug: pk for pk, slug in Cause.guides.through.objects.filter(cause=cause).values_list("id", "guide__slug")}
    return lambda slug: ids.get(slug, 0)


def guide_to_dict(g):
    return {
        "slug": g.slug,
        "title": g.title,
        "category": g.category,
        "summary": g.summary,
        "status": g.status,
        "order": g.order,
        "last_reviewed": g.last_reviewed.isoformat(),
        "related": sorted(r.slug for r in g.related.all()),
        "references": [{"title": r.title, "url": r.url} if r.url else {"title": r.title} for r in g.references.all()],
        "body": g.body,
    }


def digest(item):
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- files ↔ dicts --------------------------------------------------------------------------------


def read_knowledge_base(path=KNOWLEDGE_BASE_FILE):
    try:
        content = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: {exc}") from exc
    for section in ("questions", "actions", "causes"):
        if not isinstance(content.get(section), list):
            raise ContentError(f"{path}: missing list '{section}'")
    return content


def read_guides(directory=GUIDES_DIR):
    guides = []
    for path in sorted(Path(directory).glob("*.md")):
        if path.name.isupper() or path.stem.upper() == path.stem:  # FORMAT.md and other notes
            continue
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            raise ContentError(f"{path}: must start with a '---' front matter block")
        front, _, body = text[4:].partition("\n---\n")
        try:
            meta = yaml.safe_load(front) or {}
        except yaml.YAMLError as exc:
            raise ContentError(f"{path}: {exc}") from exc
        meta["body"] = body.strip("\n") + "\n"
        if isinstance(meta.get("last_reviewed"), date):
            meta["last_reviewed"] = meta["last_reviewed"].isoformat()
        guides.append(meta)
    return guides


def _dump_yaml(data):
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def write_knowledge_base(content, path=KNOWLEDGE_BASE_FILE):
    Path(path).write_text(KB_HEADER + _dump_yaml(content), encoding="utf-8")


def write_guide(guide, directory=GUIDES_DIR):
    meta = {k: v for k, v in guide.items() if k != "body"}
    meta["last_reviewed"] = date.fromisoformat(meta["last_reviewed"])
    text = "---\n" + _dump_yaml(meta) + "---\n" + guide["body"]
    (Path(directory) / f"{guide['slug']}.md").write_text(text, encoding="utf-8")


# --- dicts → database (load) -------------------------------------------------------------------------


def _upsert(key, item, current, apply, report, force):
    """Create, update, or keep one item, depending on what an editor did since the last load."""
    wanted = digest(item)
    record = LoadedContent.objects.filter(key=key).first()
    if current is None:
        apply()
        report.created.append(key)
    elif digest(current) == wanted:
        report.unchanged.append(key)
    elif force or (record is not None and record.digest == digest(current)):
        apply()
        report.updated.append(key)
    else:
        report.kept.append(key)
        return
    LoadedContent.objects.update_or_create(key=key, defaults={"digest": wanted})


def _apply_guide(item):
    guide, _ = Guide.objects.update_or_create(
        slug=item["slug"],
        defaults={
            "title": item["title"],
            "category": item["category"],
            "summary": item["summary"],
            "status": item.get("status", Guide.Status.PUBLISHED),
            "order": item.get("order", 100),
            "last_reviewed": date.fromisoformat(str(item["last_reviewed"])),
            "body": item["body"],
        },
    )
    guide.full_clean()
    guide.references.all().delete()
    Reference.objects.bulk_create(
        Reference(guide=guide, title=ref["title"], url=ref.get("url", ""), order=i)
        for i, ref in enumerate(item.get("references", []))
    )
    return guide


def _apply_guide_related(item):
    guide = Guide.objects.get(slug=item["slug"])
    related = list(Guide.objects.filter(slug__in=item.get("related", [])))
    missing = set(item.get("related", [])) - {g.slug for g in related}
    if missing:
        raise ContentError(f"guide {item['slug']}: unknown related guides {sorted(missing)}")
    guide.related.set(related)


def _apply_question(item):
    question, _ = Question.objects.update_or_create(
        slug=item["slug"],
        defaults={
            "text": item["text"],
            "short_label": item["short_label"],
            "help_text": item.get("help_text", ""),
            "order": item.get("order", 100),
            "in_service_summary": item.get("in_service_summary", True),
            "triage": item.get("triage", 0),
            "screen": item.get("screen", ""),
            "unticked": item.get("unticked", ""),
        },
    )
    keep = []
    for position, choice in enumerate(item["choices"]):
        obj, _ = Choice.objects.update_or_create(
            question=question,
            slug=str(choice["slug"]),
            defaults={
                "label": choice["label"],
                "help_text": choice.get("help_text", ""),
                "summary_text": choice.get("summary_text", ""),
                "order": (position + 1) * 10,
                "prior": choice.get("prior"),
                "tick": choice.get("tick", ""),
            },
        )
        keep.append(obj.pk)
    question.choices.exclude(pk__in=keep).delete()
    symptoms = list(Choice.objects.filter(question__slug="symptom", slug__in=item.get("asked_for", [])))
    if len(symptoms) != len(set(item.get("asked_for", []))):
        raise ContentError(f"question {item['slug']}: asked_for names an unknown symptom")
    question.asked_for.set(symptoms)
    if item.get("unticked") and not question.choices.filter(slug=item["unticked"]).exists():
        raise ContentError(f"question {item['slug']}: unticked names an unknown choice {item['unticked']!r}")


def _apply_ask_when(item):
    """Conditions name other questions' answers, so they are linked once every question exists."""
    question = Question.objects.get(slug=item["slug"])
    answers = []
    for answer in item.get("ask_when", []):
        question_slug, _, choice_slug = answer.partition("=")
        choice = Choice.objects.filter(question__slug=question_slug, slug=choice_slug).first()
        if choice is None:
            raise ContentError(f"question {item['slug']}: ask_when names an unknown answer {answer!r}")
        answers.append(choice)
    question.ask_when.set(answers)


def _apply_action(item):
    Action.objects.update_or_create(
        slug=item["slug"],
        defaults={"text": item["text"], "detail": item.get("detail", ""), "priority": item.get("priority", 50)},
    )


def _apply_cause(item):
    cause, _ = Cause.objects.update_or_create(
        slug=item["slug"],
        defaults={
            "title": item["title"],
            "urgent": item.get("urgent", False),
            "urgent_message": item.get("urgent_message", ""),
            "explanation": item["explanation"],
            "what_would_change": item.get("what_would_change", ""),
            "order": item.get("order", 100),
        },
    )
    cause.cause_actions.all().delete()
    for position, slug in enumerate(item.get("actions", [])):
        action = Action.objects.filter(slug=slug).first()
        if action is None:
            raise ContentError(f"cause {cause.slug}: unknown action {slug!r}")
        CauseAction.objects.create(cause=cause, action=action, order=position)
    cause.guides.clear()
    for slug in item.get("guides", []):
        guide = Guide.objects.filter(slug=slug).first()
        if guide is None:
            raise ContentError(f"cause {cause.slug}: unknown guide {slug!r}")
        cause.guides.add(guide)
    cause.evidence.all().delete()
    for row in item.get("evidence", []):
        question_slug, _, choice_slug = str(row["answer"]).partition("=")
        choice = Choice.objects.filter(question__slug=question_slug, slug=choice_slug).first()
        if choice is None:
            raise ContentError(f"cause {cause.slug}: unknown answer {row['answer']!r}")
        evidence = Evidence(cause=cause, choice=choice, weight=int(row["weight"]), note=row.get("note", ""))
        evidence.full_clean()
        evidence.save()


def _normalise_guide(item):
    """The file's guide in exactly the shape `guide_to_dict` gives, so fingerprints compare like with like."""
    return {
        "slug": str(item["slug"]),
        "title": item["title"],
        "category": item["category"],
        "summary": item["summary"],
        "status": item.get("status", Guide.Status.PUBLISHED),
        "order": int(item.get("order", 100)),
        "last_reviewed": str(item["last_reviewed"]),
        "related": sorted(item.get("related") or []),
        "references": [
            {"title": r["title"], "url": r["url"]} if r.get("url") else {"title": r["title"]}
            for r in item.get("references") or []
        ],
        "body": item["body"],
    }


def _normalise_question(item):
    return {
        "slug": str(item["slug"]),
        "text": item["text"],
        "short_label": item["short_label"],
        "help_text": item.get("help_text") or "",
        "order": int(item.get("order", 100)),
        "asked_for": sorted(str(s) for s in item.get("asked_for") or []),
        "in_service_summary": bool(item.get("in_service_summary", True)),
        **_interview_keys(
            triage=int(item.get("triage") or 0) or None,
            ask_when=sorted(str(a) for a in item.get("ask_when") or []),
            screen=str(item.get("screen") or ""),
            unticked=str(item.get("unticked") or ""),
        ),
        "choices": [
            {
                "slug": str(c["slug"]),
                "label": c["label"],
                "help_text": c.get("help_text") or "",
                "summary_text": c.get("summary_text") or "",
                **_interview_keys(prior=None if c.get("prior") is None else int(c["prior"]), tick=c.get("tick") or ""),
            }
            for c in item["choices"]
        ],
    }


def _normalise_action(item):
    return {
        "slug": item["slug"],
        "text": item["text"],
        "detail": item.get("detail") or "",
        "priority": int(item.get("priority", 50)),
    }


def _normalise_cause(item):
    return {
        "slug": item["slug"],
        "title": item["title"],
        "urgent": bool(item.get("urgent", False)),
        "urgent_message": item.get("urgent_message") or "",
        "explanation": item["explanation"],
        "what_would_change": item.get("what_would_change") or "",
        "order": int(item.get("order", 100)),
        "actions": list(item.get("actions") or []),
        "guides": list(item.get("guides") or []),
        "evidence": [
            {"answer": str(e["answer"]), "weight": int(e["weight"]), "note": e.get("note") or ""}
            for e in item.get("evidence") or []
        ],
    }


def _existing(model, slug, to_dict):
    obj = model.objects.filter(slug=slug).first()
    return to_dict(obj) if obj else None


@transaction.atomic
def load(*, force=False, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR):
    """Load the content files into the database. Returns a LoadReport."""
    report = LoadReport()
    guides = [_normalise_guide(g) for g in read_guides(guides_dir)]
    kb = read_knowledge_base(knowledge_base_path)

    for item in guides:
        _upsert(f"guide:{item['slug']}", item, _existing(Guide, item["slug"], guide_to_dict),
                lambda item=item: _apply_guide(item), report, force)  # fmt: skip
    for item in guides:  # related guides may point forward, so they are linked once all exist
        if f"guide:{item['slug']}" in report.created + report.updated:
            _apply_guide_related(item)

    questions = sorted(kb["questions"], key=lambda q: q["slug"] != "symptom")  # symptom choices first
    questions = [_normalise_question(q) for q in questions]
    for item in questions:
        _upsert(f"question:{item['slug']}", item, _existing(Question, item["slug"], question_to_dict),
                lambda item=item: _apply_question(item), report, force)  # fmt: skip
    for item in questions:  # ask_when may name a question further down the file
        if f"question:{item['slug']}" in report.created + report.updated:
            _apply_ask_when(item)
    for item in map(_normalise_action, kb["actions"]):
        _upsert(f"action:{item['slug']}", item, _existing(Action, item["slug"], action_to_dict),
                lambda item=item: _apply_action(item), report, force)  # fmt: skip
    for item in map(_normalise_cause, kb["causes"]):
        _upsert(f"cause:{item['slug']}", item, _existing(Cause, item["slug"], cause_to_dict),
                lambda item=item: _apply_cause(item), report, force)  # fmt: skip
    return report


def export(*, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR):
    """Write the database's current content back into the content files. Returns the number of files."""
    content = {
        "questions": [question_to_dict(q) for q in Question.objects.order_by("order", "id")],
        "actions": [action_to_dict(a) for a in Action.objects.order_by("priority", "slug")],
        "causes": [cause_to_dict(c) for c in Cause.objects.order_by("order", "id")],
    }
    write_knowledge_base(content, knowledge_base_path)
    Path(guides_dir).mkdir(parents=True, exist_ok=True)
    guides = Guide.objects.prefetch_related("references", "related").order_by("category", "order", "slug")
    for guide in guides:
        write_guide(guide_to_dict(guide), guides_dir)
    return 1 + len(guides)

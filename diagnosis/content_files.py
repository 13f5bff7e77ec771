"""Default content kept as files in the repo: the knowledge base (YAML) and the guides (Markdown).

Both directions use the shapes declared in `content_shapes`, so load → export → load is lossless by
construction. `load` is idempotent and careful: an item an editor changed in the admin since it was last
loaded is left alone (reported as "kept") unless `force` is given. A fingerprint of what was loaded (the
item's dict in its declared shape) tells the two apart.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from guides.synonyms import SYNONYMS_FILE, SynonymFileError, export_synonyms, load_synonyms

from .content_shapes import ACTION, CAUSE, GUIDE, QUESTION, ContentError
from .engine import SYMPTOM
from .models import LoadedContent

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
#
# A cause's `actions:` and `guides:` entries are slugs, or {slug, when, unless} so the advice fits the person:
#   when:   shown only to people who gave at least one of these answers, e.g. [business_owner=yes]
#   unless: never shown to people who gave any of these answers, e.g. [life_stage=adult]

"""


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
        for review in meta.get("reviews") or []:
            if isinstance(review, dict) and isinstance(review.get("date"), date):
                review["date"] = review["date"].isoformat()
        guides.append(meta)
    return guides


def _dump_yaml(data):
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def write_knowledge_base(content, path=KNOWLEDGE_BASE_FILE):
    Path(path).write_text(KB_HEADER + _dump_yaml(content), encoding="utf-8")


def write_guide(guide, directory=GUIDES_DIR):
    meta = {k: v for k, v in guide.items() if k != "body"}
    meta["last_reviewed"] = date.fromisoformat(meta["last_reviewed"])
    meta["reviews"] = [{**r, "date": date.fromisoformat(r["date"])} for r in meta.get("reviews", [])]
    text = "---\n" + _dump_yaml(meta) + "---\n" + guide["body"]
    (Path(directory) / f"{guide['slug']}.md").write_text(text, encoding="utf-8")


def read_content(*, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR):
    """Every content item in the files, each in its declared shape: {"guides": [...], "questions": [...], ...}.

    No database is touched, so `KnowledgeBase.from_content(**read_content())` is the engine's knowledge base
    straight from the files (what the tests use).
    """
    kb = read_knowledge_base(knowledge_base_path)
    return {
        "guides": [GUIDE.normalise(item) for item in read_guides(guides_dir)],
        "questions": [QUESTION.normalise(item) for item in kb["questions"]],
        "actions": [ACTION.normalise(item) for item in kb["actions"]],
        "causes": [CAUSE.normalise(item) for item in kb["causes"]],
    }


# --- dicts → database (load) -------------------------------------------------------------------------


def _upsert(shape, item, report, force):
    """Create, update, or keep one item, depending on what an editor did since the last load."""
    key = shape.key(item)
    wanted = digest(shape.fingerprinted(item))
    current = shape.current(item["slug"])
    record = LoadedContent.objects.filter(key=key).first()
    if current is None:
        shape.apply(item)
        report.created.append(key)
    elif digest(shape.fingerprinted(current)) == wanted:
        report.unchanged.append(key)
    elif force or (record is not None and record.digest == digest(shape.fingerprinted(current))):
        shape.apply(item)
        report.updated.append(key)
    else:
        report.kept.append(key)
        return
    LoadedContent.objects.update_or_create(key=key, defaults={"digest": wanted})


@transaction.atomic
def load(*, force=False, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR, synonyms_path=SYNONYMS_FILE):
    """Load the content files into the database. Returns a LoadReport."""
    report = LoadReport()
    content = read_content(knowledge_base_path=knowledge_base_path, guides_dir=guides_dir)
    for item in content["guides"]:
        _upsert(GUIDE, item, report, force)
    for item in content["guides"]:  # related guides may point forward, so they are linked once all exist
        if GUIDE.key(item) in report.created + report.updated:
            GUIDE.apply(item, deferred=True)
    questions = sorted(content["questions"], key=lambda item: item["slug"] != SYMPTOM)  # symptom choices first
    for item in questions:
        _upsert(QUESTION, item, report, force)
    for item in content["actions"]:
        _upsert(ACTION, item, report, force)
    for item in content["causes"]:
        _upsert(CAUSE, item, report, force)
    try:
        load_synonyms(report, force=force, path=synonyms_path)
    except SynonymFileError as exc:
        raise ContentError(str(exc)) from exc
    return report


def export(*, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR, synonyms_path=None):
    """Write the database's current content back into the content files. Returns the number of files."""
    content = {
        "questions": QUESTION.to_dicts(QUESTION.rows()),
        "actions": ACTION.to_dicts(ACTION.rows()),
        "causes": CAUSE.to_dicts(CAUSE.rows()),
    }
    write_knowledge_base(content, knowledge_base_path)
    Path(guides_dir).mkdir(parents=True, exist_ok=True)
    guides = GUIDE.to_dicts(GUIDE.rows())
    for guide in guides:
        write_guide(guide, guides_dir)
    export_synonyms(synonyms_path or Path(guides_dir) / SYNONYMS_FILE.name)
    return 2 + len(guides)

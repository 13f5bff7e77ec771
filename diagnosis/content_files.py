"""Default content kept as files in the repo: the knowledge base (YAML) and the guides (Markdown).

Both directions use the shapes declared in `content_shapes`, so load → export → load is lossless by
construction. `load` is idempotent and careful with editors' work:

- an item an editor changed in the admin since it was last loaded is left alone ("kept"). A fingerprint of what
  was loaded (the item's dict in its declared shape, in `LoadedContent`) tells the two apart;
- an item an editor deleted is not recreated ("deleted"): its `LoadedContent` row outlived it. What refers to it
  (a cause's evidence on a deleted question's answers, a link to a deleted guide) loads without that reference,
  with a warning, so the rest of the content still loads;
- `force` overwrites the edits and recreates the deletions. It saves each edited item as a revision before
  overwriting it and again after (`config.history.save_version`), so the editor sees what the files changed in the
  item's admin history and can revert to their version there.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from config.history import OVERWRITE_COMMENT, OVERWRITTEN_WITH_COMMENT, save_version
from guides.models import SearchSynonym, web_link
from guides.synonyms import (
    SYNONYMS_FILE,
    SynonymFileError,
    export_synonyms,
    load_synonyms,
    read_synonyms,
    synonym_key,
)

from .content_shapes import ACTION, CAUSE, GUIDE, QUESTION, ContentError
from .engine import SYMPTOM
from .models import Choice, LoadedContent

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
    deleted: list = field(default_factory=list)  # deleted by an editor after loading, not recreated
    restored: list = field(default_factory=list)  # deleted by an editor, recreated by `force`
    overwritten: list = field(default_factory=list)  # edited in the admin, overwritten by `force` after a revision
    overwritten_rows: dict = field(default_factory=dict)  # overwritten key → its row (for its admin history)
    warnings: list = field(default_factory=list)  # references left out: what they name is not in the database

    def summary(self):
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, kept admin edits {len(self.kept)}, "
            f"deleted by an editor {len(self.deleted)}, restored {len(self.restored)}, "
            f"overwritten {len(self.overwritten)}"
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
        _check_references(meta, path)
        meta["body"] = body.strip("\n") + "\n"
        if isinstance(meta.get("last_reviewed"), date):
            meta["last_reviewed"] = meta["last_reviewed"].isoformat()
        for review in meta.get("reviews") or []:
            if isinstance(review, dict) and isinstance(review.get("date"), date):
                review["date"] = review["date"].isoformat()
        guides.append(meta)
    return guides


def _check_references(meta, path):
    """A guide's references are titles with, optionally, a web link: never javascript:, data:, ftp: or relative."""
    references = meta.get("references") or []
    if not isinstance(references, list):
        raise ContentError(f"{path}: guide {meta.get('slug')}: 'references' must be a list")
    for reference in references:
        if not isinstance(reference, dict) or not reference.get("title"):
            raise ContentError(f"{path}: guide {meta.get('slug')}: every reference needs a title, got {reference!r}")
        url = reference.get("url")
        if not url:
            continue
        try:
            web_link(url)
        except ValidationError:
            raise ContentError(
                f"{path}: guide {meta.get('slug')}: reference {reference['title']!r} links to {url!r}; "
                "only complete http:// or https:// links are allowed"
            ) from None


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


def _linked(entry):
    """The slug a cause's action or guide entry links to: a plain slug, or a mapping with conditions."""
    return entry["slug"] if isinstance(entry, dict) else entry


# The references between content items: (kind, field) → the name of what one entry of the field refers to.
REFERENCES = {
    ("guide", "related"): lambda slug: f"guide:{slug}",
    ("question", "asked_for"): lambda slug: f"answer:{SYMPTOM}={slug}",
    # An answer's choices may still be on their way (a question further down the file): only a deleted question
    # is left out here; the deferred pass in `load` leaves out what is missing once every question is written.
    ("question", "ask_when"): lambda answer: f"question:{answer.partition('=')[0]}",
    ("cause", "actions"): lambda entry: f"action:{_linked(entry)}",
    ("cause", "guides"): lambda entry: f"guide:{_linked(entry)}",
    ("cause", "evidence"): lambda row: f"answer:{row['answer']}",
}
WHY_MISSING = {
    "answer": "not in the database: deleted by an editor, or not in an editor's version of the question",
}


def _without_missing(shape, item, missing):
    """The item without its references to what the files define but the database will not hold; a warning each field."""
    item, warnings = dict(item), []
    for (kind, name), target in REFERENCES.items():
        if kind != shape.kind or name not in item:
            continue
        left_out = [target(entry) for entry in item[name] if target(entry) in missing]
        if left_out:
            item[name] = [entry for entry in item[name] if target(entry) not in missing]
            reason = WHY_MISSING.get(left_out[0].partition(":")[0], "not in the database: deleted by an editor")
            names = ", ".join(named.partition(":")[2] for named in left_out)
            warnings.append(f"{shape.key(item)}: left out {name} {names} ({reason})")
    return item, warnings


def _upsert(shape, item, report, *, force, deleted, missing):
    """Create, update, keep or skip one item, depending on what an editor did since the last load.

    Returns the item as written (without its references to what is missing), or None if it was not written.
    """
    key = shape.key(item)
    if key in deleted and not force:
        report.deleted.append(key)
        return None
    item, warnings = _without_missing(shape, item, missing)
    wanted = digest(shape.fingerprinted(item))
    current = shape.current(item["slug"])
    now = None if current is None else digest(shape.fingerprinted(current))
    record = LoadedContent.objects.filter(key=key).first()
    written = item
    if current is None:
        shape.apply(item)
        (report.restored if key in deleted else report.created).append(key)
    elif now == wanted:
        report.unchanged.append(key)
        written = None
    elif record is not None and record.digest == now:  # nobody changed it since it was loaded
        shape.apply(item)
        report.updated.append(key)
    elif force:  # an editor's change: saved as a revision first, so it can be reverted in the admin
        row = shape.model.objects.get(slug=item["slug"])
        save_version(row, OVERWRITE_COMMENT)
        shape.apply(item)
        report.overwritten.append(key)
        report.overwritten_rows[key] = row
    else:
        report.kept.append(key)
        return None
    report.warnings += warnings
    LoadedContent.objects.update_or_create(key=key, defaults={"digest": wanted})
    return written


def _deleted_by_editors(content, synonyms):
    """Keys of the files' items that were loaded before and are no longer in the database: editors deleted them.

    An item's LoadedContent row outlives it (a deleted synonym's is written then, see `diagnosis.signals`).
    """
    in_files = {shape.key(item) for shape, items in _by_shape(content) for item in items}
    in_files |= {synonym_key(item["phrase"]) for item in synonyms}
    present = {
        f"{shape.kind}:{slug}"
        for shape, _ in _by_shape(content)
        for slug in shape.model.objects.values_list("slug", flat=True)
    }
    present |= {synonym_key(phrase) for phrase in SearchSynonym.objects.values_list("phrase", flat=True)}
    loaded = set(LoadedContent.objects.filter(key__in=in_files).values_list("key", flat=True))
    return loaded - present


def _by_shape(content):
    """(shape, the files' items of that shape) for each kind: content["causes"] holds the causes."""
    return [(shape, content[f"{shape.kind}s"]) for shape in (GUIDE, QUESTION, ACTION, CAUSE)]


def _missing_answers(content):
    """Answers ("answer:question=choice") the files define and the database does not hold now."""
    defined = {f"answer:{q['slug']}={c['slug']}" for q in content["questions"] for c in q["choices"]}
    return defined - {f"answer:{q}={c}" for q, c in Choice.objects.values_list("question__slug", "slug")}


@transaction.atomic
def load(*, force=False, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR, synonyms_path=SYNONYMS_FILE):
    """Load the content files into the database. Returns a LoadReport."""
    report = LoadReport()
    content = read_content(knowledge_base_path=knowledge_base_path, guides_dir=guides_dir)
    try:
        synonyms = read_synonyms(synonyms_path)
    except SynonymFileError as exc:
        raise ContentError(str(exc)) from exc
    deleted = _deleted_by_editors(content, synonyms)
    gone = set() if force else deleted  # what this load leaves out of the database; references to it go too

    def upsert(shape, item, missing=gone):
        return _upsert(shape, item, report, force=force, deleted=deleted, missing=missing)

    written = [upsert(GUIDE, item) for item in content["guides"]]
    for item in filter(None, written):  # related guides may point forward, so they are linked once all exist
        GUIDE.apply(item, deferred=True)
    symptom = [item for item in content["questions"] if item["slug"] == SYMPTOM]
    for item in symptom:  # first: the other questions' asked_for names the symptom's choices
        upsert(QUESTION, item)
    missing = gone | _missing_answers(content)
    written = [upsert(QUESTION, item, missing) for item in content["questions"] if item["slug"] != SYMPTOM]
    missing = gone | _missing_answers(content)  # every question's choices are settled now
    for item in filter(None, written):  # ask_when may name a question further down the file
        asked_when = [answer for answer in item["ask_when"] if f"answer:{answer}" not in missing]
        if asked_when != item["ask_when"]:
            left_out = ", ".join(sorted(set(item["ask_when"]) - set(asked_when)))
            report.warnings.append(f"{QUESTION.key(item)}: left out ask_when {left_out} ({WHY_MISSING['answer']})")
        QUESTION.apply({**item, "ask_when": asked_when}, deferred=True)
    for item in content["actions"]:
        upsert(ACTION, item)
    missing = gone | _missing_answers(content)  # every question is settled now
    for item in content["causes"]:
        upsert(CAUSE, item, missing)
    try:
        load_synonyms(report, force=force, path=synonyms_path, deleted=deleted, missing=gone)
    except SynonymFileError as exc:
        raise ContentError(str(exc)) from exc
    for row in report.overwritten_rows.values():  # now complete (a guide's related links came last)
        row.refresh_from_db()
        save_version(row, OVERWRITTEN_WITH_COMMENT)
    return report


def export(*, knowledge_base_path=KNOWLEDGE_BASE_FILE, guides_dir=GUIDES_DIR, synonyms_path=None):
    """Write the database's current content back into the content files. Returns the number of files."""
    content = {
        f"{shape.kind}s": [shape.fingerprinted(item) for item in shape.to_dicts(shape.rows())]
        for shape in (QUESTION, ACTION, CAUSE)
    }
    write_knowledge_base(content, knowledge_base_path)
    Path(guides_dir).mkdir(parents=True, exist_ok=True)
    guides = [GUIDE.fingerprinted(item) for item in GUIDE.to_dicts(GUIDE.rows())]
    for guide in guides:
        write_guide(guide, guides_dir)
    export_synonyms(synonyms_path or Path(guides_dir) / SYNONYMS_FILE.name)
    return 2 + len(guides)

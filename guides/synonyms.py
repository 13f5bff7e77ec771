"""Search synonyms as a content file (guides/content/search_synonyms.yaml), loaded and exported with the guides.

Like the other content: `load` creates what is missing, updates what the file changed, and keeps a synonym an
editor changed in the admin (unless `force`, which first saves the editor's version as a revision); the row
remembers a digest of what was last loaded to tell. A synonym an editor deleted is not recreated unless `force`:
the loader (`diagnosis.content_files`) finds those and passes them in.
"""

import hashlib
import json
from pathlib import Path

import yaml
from django.conf import settings

from config.history import OVERWRITE_COMMENT, save_version

from .models import Guide, SearchSynonym
from .search import Synonym

SYNONYMS_FILE = Path(settings.BASE_DIR) / "guides" / "content" / "search_synonyms.yaml"

HEADER = """\
# What people type into the guide search → the words the guides use, and (optionally) the guide to list first.
# Loaded by `python manage.py load_content`; editors change it in the admin (搜索同义词); export writes it back.
# A phrase matches when it appears inside a search word: "被骗" matches "我被骗了怎么办".

"""


class SynonymFileError(ValueError):
    """The synonyms file is malformed or names a guide that does not exist."""


def _item(phrase, words, guide):
    item = {"phrase": phrase, "words": " ".join(str(words).split())}
    if guide:
        item["guide"] = guide
    return item


def synonym_key(phrase):
    """The synonym's name in `load_content`'s report and records, like "guide:credit-report" for a guide."""
    return f"synonym:{phrase}"


def _digest(item):
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _as_item(synonym):
    return _item(synonym.phrase, synonym.words, synonym.guide.slug if synonym.guide_id else "")


def read_synonyms(path=SYNONYMS_FILE):
    if not Path(path).exists():
        return []
    try:
        rows = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise SynonymFileError(f"{path}: {exc}") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) and r.get("phrase") for r in rows):
        raise SynonymFileError(f"{path}: expected a list of {{phrase, words, guide}}")
    return [_item(str(r["phrase"]), r.get("words") or "", r.get("guide") or "") for r in rows]


def load_synonyms(report, *, force=False, path=SYNONYMS_FILE, deleted=frozenset(), missing=frozenset()):
    """Load the synonyms file into the database, adding "synonym:<phrase>" keys to the loader's report.

    `deleted`: keys of synonyms an editor deleted after they were loaded, recreated only with `force`.
    `missing`: keys of guides this load leaves out of the database; a synonym loads without its link to one.
    """
    for item in read_synonyms(path):
        key = synonym_key(item["phrase"])
        if key in deleted and not force:
            report.deleted.append(key)
            continue
        warnings = []
        if item.get("guide") and f"guide:{item['guide']}" in missing:
            warnings.append(f"{key}: left out guide {item['guide']} (not in the database: deleted by an editor)")
            item = _item(item["phrase"], item["words"], "")
        guide = Guide.objects.filter(slug=item["guide"]).first() if item.get("guide") else None
        if item.get("guide") and guide is None:
            raise SynonymFileError(f"synonym {item['phrase']}: unknown guide {item['guide']!r}")
        wanted = _digest(item)
        current = SearchSynonym.objects.filter(phrase=item["phrase"]).select_related("guide").first()
        if current is None:
            SearchSynonym.objects.create(phrase=item["phrase"], words=item["words"], guide=guide, loaded_digest=wanted)
            (report.restored if key in deleted else report.created).append(key)
        elif _digest(_as_item(current)) == wanted:
            if current.loaded_digest != wanted:  # e.g. its guide was deleted: what the file means now
                SearchSynonym.objects.filter(pk=current.pk).update(loaded_digest=wanted)
            report.unchanged.append(key)
        elif current.loaded_digest == _digest(_as_item(current)):  # nobody changed it since it was loaded
            _update(current, item, guide, wanted)
            report.updated.append(key)
        elif force:  # an editor's change: saved as a revision first, so it can be reverted in the admin
            save_version(current, OVERWRITE_COMMENT)
            _update(current, item, guide, wanted)
            report.overwritten.append(key)
            report.overwritten_rows[key] = current
        else:
            report.kept.append(key)
            continue
        report.warnings += warnings


def _update(synonym, item, guide, digest):
    synonym.words, synonym.guide, synonym.loaded_digest = item["words"], guide, digest
    synonym.save()


def export_synonyms(path=SYNONYMS_FILE):
    # Sorted in Python: databases collate Chinese differently, and the file must not depend on which one ran.
    items = sorted((_as_item(s) for s in SearchSynonym.objects.select_related("guide")), key=lambda i: i["phrase"])
    dumped = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    Path(path).write_text(HEADER + dumped, encoding="utf-8")


def current_synonyms():
    """The synonyms the search uses, as plain objects (one query)."""
    return [
        Synonym(phrase, tuple(words.split()), slug or "")
        for phrase, words, slug in SearchSynonym.objects.values_list("phrase", "words", "guide__slug")
    ]

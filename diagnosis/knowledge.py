"""Build the engine's plain `KnowledgeBase` from the database, once per content revision per process.

The rows are read in their declared content shapes (`content_shapes`), the same dicts the content files hold,
and handed to `KnowledgeBase.from_content`: the database and the files make the engine's data the same way.
"""

import threading

from guides.revision import current_revision

from . import engine
from .content_shapes import ACTION, CAUSE, GUIDE, QUESTION

# What a cause needs to know of a guide to link to it (and whether it may: published ones only).
GUIDE_LINK_FIELDS = ("slug", "title", "category", "order", "status")

_lock = threading.Lock()
_memo = {"revision": None, "kb": None}


def build_knowledge_base(revision=0):
    """Read every knowledge-base row into immutable engine objects (about ten queries)."""
    return engine.KnowledgeBase.from_content(
        questions=QUESTION.to_dicts(QUESTION.rows()),
        actions=ACTION.to_dicts(ACTION.rows()),
        causes=CAUSE.to_dicts(CAUSE.rows()),
        guides=GUIDE.to_dicts(GUIDE.rows().only(*GUIDE_LINK_FIELDS), names=GUIDE_LINK_FIELDS),
        revision=revision,
    )


def get_knowledge_base(revision=None):
    """The current knowledge base: one query to check the revision, a rebuild only when it moved.

    `revision`: the current revision when the caller already read it in its own query (an assessment read
    `with_content_revision`), so this needs none."""
    if revision is None:
        revision = current_revision()
    with _lock:
        if _memo["revision"] == revision and _memo["kb"] is not None:
            return _memo["kb"]
    kb = build_knowledge_base(revision)
    with _lock:
        _memo.update(revision=revision, kb=kb)
    return kb

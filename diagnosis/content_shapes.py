"""The one declared shape of each content item: a guide, a question, an action, a cause.

Each shape lists its fields once, in the order the content files write them. Everything that moves content
between its three homes derives from these lists:

- export (rows → dicts → files) and the fingerprints `load_content` compares: `Shape.to_dicts(rows)`;
- load (files → dicts → rows): `Shape.normalise(item)`, then `Shape.apply(item)`;
- the engine's input: `KnowledgeBase.from_content(...)` takes these dicts, from the files (tests) or from the
  rows (`diagnosis.knowledge`).

A dict in this shape is exactly what `knowledge_base.yaml` and a guide's front matter hold, so
load → export → load is lossless by construction.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Model

from guides.models import Guide, GuideReview, Reference

from .engine import SYMPTOM
from .models import Action, Cause, CauseAction, CauseGuide, Choice, Evidence, Question

REQUIRED = object()


class ContentError(ValueError):
    """A content file is malformed or refers to something that does not exist."""


# --- plain fields: one model field each, of the same name --------------------------------------------------


@dataclass(frozen=True)
class Text:
    name: str
    default: object = REQUIRED  # an optional text is "" when missing or empty
    # A field added after content was first loaded: written to the files and fingerprinted only when set, so
    # files without it stay as they were and a database loaded before it existed still reads as "unchanged".
    omit_when_empty: bool = False

    def normalise(self, item):
        value = _get(item, self.name, self.default)
        return "" if value is None else str(value)

    def read(self, row):
        return getattr(row, self.name)

    def to_model(self, value):
        return value


@dataclass(frozen=True)
class Number(Text):
    def normalise(self, item):
        return int(_get(item, self.name, self.default))


@dataclass(frozen=True)
class MaybeNumber(Text):
    """A whole number that may be left out (None)."""

    def normalise(self, item):
        value = _get(item, self.name, self.default)
        return None if value is None or value == "" else int(value)


@dataclass(frozen=True)
class Flag(Text):
    def normalise(self, item):
        return bool(_get(item, self.name, self.default))


@dataclass(frozen=True)
class Day(Text):
    """A date, written as YYYY-MM-DD (YAML reads an unquoted one as a date)."""

    def normalise(self, item):
        return str(_get(item, self.name, self.default))

    def read(self, row):
        return getattr(row, self.name).isoformat()

    def to_model(self, value):
        return date.fromisoformat(value)


def _get(item, name, default):
    """The item's value for `name`; an optional field missing or left empty takes its default."""
    if name not in item:
        if default is REQUIRED:
            raise ContentError(f"{item.get('slug', item)!r}: missing {name!r}")
        return default
    value = item[name]
    return default if value is None and default is not REQUIRED else value


def _plain(fields, item):
    return {field.name: field.normalise(item) for field in fields}


def _empty_value(field):
    return [] if isinstance(field, Related) else field.default


def _compact(fields, item):
    """`item` without the fields that are left out while empty (see `Text.omit_when_empty`)."""
    empty = {f.name for f in fields if f.omit_when_empty and item.get(f.name) == _empty_value(f)}
    return {name: value for name, value in item.items() if name not in empty}


# --- related rows: read for many items in one query, written after the item itself ----------------------


class Related:
    """A field that is not a column of the item's own row (child rows or links)."""

    name = ""
    deferred = False  # written in a second pass, once every item of its kind exists
    # A field added after content was first loaded: left out of the fingerprint while empty, so a database
    # loaded before the field existed still reads as "unchanged" rather than "edited by an editor".
    omit_when_empty = False

    def normalise(self, item):
        raise NotImplementedError

    def read_many(self, rows):
        """{row pk: value} for every row, in one query."""
        raise NotImplementedError

    def write(self, row, value):
        raise NotImplementedError

    def compact(self, value):
        """The value as written to files and fingerprints (nested fields left out while empty)."""
        return value


def _grouped(pairs):
    grouped = {}
    for pk, value in pairs:
        grouped.setdefault(pk, []).append(value)
    return grouped


class Choices(Related):
    """A question's choices, in asking order; each is slug, label, help_text, summary_text."""

    name = "choices"
    fields = (
        Text("slug"),
        Text("label"),
        Text("help_text", ""),
        Text("summary_text", ""),
        MaybeNumber("prior", None, omit_when_empty=True),  # how many in 100 people give it (the adaptive checkup)
        Text("tick", "", omit_when_empty=True),  # its wording as a box on a grouped screen
    )

    def normalise(self, item):
        return [_plain(self.fields, choice) for choice in _get(item, self.name, REQUIRED)]

    def read_many(self, rows):
        choices = Choice.objects.filter(question__in=rows).order_by("order", "id")
        return _grouped((c.question_id, {f.name: f.read(c) for f in self.fields}) for c in choices)

    def write(self, question, value):
        keep = []
        for position, choice in enumerate(value):
            row, _ = Choice.objects.update_or_create(
                question=question,
                slug=choice["slug"],
                defaults={**{f.name: choice[f.name] for f in self.fields[1:]}, "order": (position + 1) * 10},
            )
            keep.append(row.pk)
        question.choices.exclude(pk__in=keep).delete()

    def compact(self, value):
        return [_compact(self.fields, choice) for choice in value]


class AskedFor(Related):
    """The symptoms a question is asked for (none: every symptom), sorted."""

    name = "asked_for"

    def normalise(self, item):
        return sorted(str(slug) for slug in item.get(self.name) or [])

    def read_many(self, rows):
        links = Question.asked_for.through.objects.filter(question__in=rows).values_list("question_id", "choice__slug")
        return {pk: sorted(slugs) for pk, slugs in _grouped(links).items()}

    def write(self, question, value):
        symptoms = list(Choice.objects.filter(question__slug=SYMPTOM, slug__in=value))
        if len(symptoms) != len(set(value)):
            raise ContentError(f"question {question.slug}: asked_for names an unknown symptom")
        question.asked_for.set(symptoms)


class AskWhen(Related):
    """Answers that call for the question ("overdue=current"); any one of them will do. None: always asked.

    Written once every question exists, as they may name a question further down the file.
    """

    name = "ask_when"
    deferred = True
    omit_when_empty = True

    def normalise(self, item):
        return sorted(str(answer) for answer in item.get(self.name) or [])

    def read_many(self, rows):
        links = Question.ask_when.through.objects.filter(question__in=rows).values_list(
            "question_id", "choice__question__slug", "choice__slug"
        )
        return {pk: sorted(f"{q}={c}" for q, c in pairs) for pk, pairs in _grouped(
            (pk, (q, c)) for pk, q, c in links).items()}  # fmt: skip

    def write(self, question, value):
        answers = []
        for answer in value:
            question_slug, _, choice_slug = answer.partition("=")
            choice = Choice.objects.filter(question__slug=question_slug, slug=choice_slug).first()
            if choice is None:
                raise ContentError(f"question {question.slug}: ask_when names an unknown answer {answer!r}")
            answers.append(choice)
        question.ask_when.set(answers)


CONDITIONS = ("when", "unless")


def _link(entry, cause_slug):
    """One entry of a cause's `actions:` or `guides:` list, normalised.

    A plain slug, or a mapping {slug, when, unless} whose `when` / `unless` list answers as "question=choice"
    (`diagnosis.engine.Condition` says what they mean). A mapping without conditions is written as its plain
    slug, so a cause that uses none keeps the shape (and the load fingerprint) it always had.
    """
    if not isinstance(entry, dict):
        return str(entry)
    unknown = set(entry) - {"slug", *CONDITIONS}
    if unknown or "slug" not in entry:
        raise ContentError(f"cause {cause_slug}: a link is a slug or {{slug, when, unless}}, not {entry!r}")
    link = {"slug": str(entry["slug"])}
    for name in CONDITIONS:
        answers = [str(answer) for answer in entry.get(name) or []]
        if answers:
            link[name] = answers
    return link if len(link) > 1 else link["slug"]


def _link_from_row(slug, when, unless):
    return _link({"slug": slug, "when": when, "unless": unless}, "")


def _check_answers(cause, link):
    """Each answer a condition names exists: a typo would silently hide (or show) advice."""
    for name in CONDITIONS:
        for answer in link.get(name, []) if isinstance(link, dict) else []:
            question_slug, _, choice_slug = answer.partition("=")
            if not Choice.objects.filter(question__slug=question_slug, slug=choice_slug).exists():
                raise ContentError(f"cause {cause.slug}: {name} names an unknown answer {answer!r}")


def _conditions(link):
    return {name: link.get(name, []) if isinstance(link, dict) else [] for name in CONDITIONS}


def _link_slug(link):
    return link["slug"] if isinstance(link, dict) else link


class CauseActions(Related):
    """A cause's next actions in the cause's own order: slugs, or {slug, when, unless} for advice that needs
    the right answers (business financing only for business owners)."""

    name = "actions"

    def normalise(self, item):
        return [_link(entry, item.get("slug")) for entry in item.get(self.name) or []]

    def read_many(self, rows):
        links = CauseAction.objects.filter(cause__in=rows).order_by("order", "id")
        return _grouped(
            (cause_id, _link_from_row(slug, when, unless))
            for cause_id, slug, when, unless in links.values_list("cause_id", "action__slug", "when", "unless")
        )

    def write(self, cause, value):
        cause.cause_actions.all().delete()
        for position, link in enumerate(value):
            action = Action.objects.filter(slug=_link_slug(link)).first()
            if action is None:
                raise ContentError(f"cause {cause.slug}: unknown action {_link_slug(link)!r}")
            _check_answers(cause, link)
            CauseAction.objects.create(cause=cause, action=action, order=position, **_conditions(link))


class CauseGuides(Related):
    """A cause's guides in the order they were linked (the link table's ids keep it): slugs, or
    {slug, when, unless} for guides that fit only some answers (the student guide only for students)."""

    name = "guides"

    def normalise(self, item):
        return [_link(entry, item.get("slug")) for entry in item.get(self.name) or []]

    def read_many(self, rows):
        links = CauseGuide.objects.filter(cause__in=rows).order_by("id")
        return _grouped(
            (cause_id, _link_from_row(slug, when, unless))
            for cause_id, slug, when, unless in links.values_list("cause_id", "guide__slug", "when", "unless")
        )

    def write(self, cause, value):
        cause.cause_guides.all().delete()
        for link in value:
            guide = Guide.objects.filter(slug=_link_slug(link)).first()
            if guide is None:
                raise ContentError(f"cause {cause.slug}: unknown guide {_link_slug(link)!r}")
            _check_answers(cause, link)
            CauseGuide.objects.create(cause=cause, guide=guide, **_conditions(link))


class CauseEvidence(Related):
    """How much each answer ("question=choice") raises or lowers the cause, with the editors' reason."""

    name = "evidence"
    fields = (Text("answer"), Number("weight"), Text("note", ""))

    def normalise(self, item):
        return [_plain(self.fields, row) for row in item.get(self.name) or []]

    def read_many(self, rows):
        evidence = Evidence.objects.filter(cause__in=rows).order_by("id")
        return _grouped(
            (cause_id, {"answer": f"{question}={choice}", "weight": weight, "note": note})
            for cause_id, question, choice, weight, note in evidence.values_list(
                "cause_id", "choice__question__slug", "choice__slug", "weight", "note"
            )
        )

    def write(self, cause, value):
        cause.evidence.all().delete()
        for row in value:
            question_slug, _, choice_slug = row["answer"].partition("=")
            choice = Choice.objects.filter(question__slug=question_slug, slug=choice_slug).first()
            if choice is None:
                raise ContentError(f"cause {cause.slug}: unknown answer {row['answer']!r}")
            evidence = Evidence(cause=cause, choice=choice, weight=row["weight"], note=row["note"])
            evidence.full_clean()
            evidence.save()


class References(Related):
    """A guide's sources: a title, and a link only when there is one."""

    name = "references"

    def normalise(self, item):
        return [_reference(ref["title"], ref.get("url")) for ref in item.get(self.name) or []]

    def read_many(self, rows):
        references = Reference.objects.filter(guide__in=rows).order_by("order", "id")
        return _grouped((guide_id, _reference(title, url)) for guide_id, title, url in
                        references.values_list("guide_id", "title", "url"))  # fmt: skip

    def write(self, guide, value):
        guide.references.all().delete()
        Reference.objects.bulk_create(
            Reference(guide=guide, title=ref["title"], url=ref.get("url", ""), order=position)
            for position, ref in enumerate(value)
        )


def _reference(title, url):
    return {"title": title, "url": url} if url else {"title": title}


class Reviews(Related):
    """A guide's review history: each dated check of its facts by a person, newest first."""

    name = "reviews"
    omit_when_empty = True

    def normalise(self, item):
        reviews = [{"date": str(r["date"]), "note": str(r["note"])} for r in item.get(self.name) or []]
        return sorted(reviews, key=lambda r: r["date"], reverse=True)

    def read_many(self, rows):
        reviews = GuideReview.objects.filter(guide__in=rows).order_by("-reviewed_on", "id")
        return _grouped((guide_id, {"date": day.isoformat(), "note": note}) for guide_id, day, note in
                        reviews.values_list("guide_id", "reviewed_on", "note"))  # fmt: skip

    def write(self, guide, value):
        guide.reviews.all().delete()
        GuideReview.objects.bulk_create(
            GuideReview(guide=guide, reviewed_on=date.fromisoformat(r["date"]), note=r["note"]) for r in value
        )


class RelatedGuides(Related):
    """Other guides worth reading next, sorted; linked once every guide exists, as they may point forward."""

    name = "related"
    deferred = True

    def normalise(self, item):
        return sorted(item.get(self.name) or [])

    def read_many(self, rows):
        links = Guide.related.through.objects.filter(from_guide__in=rows).values_list("from_guide_id", "to_guide__slug")
        return {pk: sorted(slugs) for pk, slugs in _grouped(links).items()}

    def write(self, guide, value):
        related = list(Guide.objects.filter(slug__in=value))
        missing = set(value) - {g.slug for g in related}
        if missing:
            raise ContentError(f"guide {guide.slug}: unknown related guides {sorted(missing)}")
        guide.related.set(related)


# --- the shapes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One content item's fields, in file order; the first is its slug."""

    kind: str  # the fingerprint key's prefix, e.g. "cause" in "cause:high_debt"
    model: type[Model]
    fields: tuple
    export_order: tuple[str, ...]
    validate: bool = False  # run the model's own validation (a guide's slug rules) after writing
    checks: tuple = ()  # functions (row, item) that raise ContentError when the written item does not hang together

    @property
    def plain(self):
        return tuple(f for f in self.fields if not isinstance(f, Related))

    @property
    def related(self):
        return tuple(f for f in self.fields if isinstance(f, Related))

    def key(self, item):
        return f"{self.kind}:{item['slug']}"

    def fingerprinted(self, item):
        """The item as the files and its fingerprint see it: fields added later are left out while empty."""
        item = _compact(self.fields, item)
        return {name: f.compact(item[name]) if name in item and isinstance(f, Related) else item[name]
                for f in self.fields for name in [f.name] if name in item}  # fmt: skip

    def normalise(self, item):
        """A file's item in exactly the shape `to_dicts` gives, so fingerprints compare like with like."""
        values = {**_plain(self.plain, item), **{f.name: f.normalise(item) for f in self.related}}
        return {f.name: values[f.name] for f in self.fields}

    def rows(self):
        return self.model.objects.order_by(*self.export_order)

    def to_dicts(self, rows, names=None):
        """Rows as dicts in this shape, one query per related field; `names` keeps only those fields."""
        rows = list(rows)
        fields = [f for f in self.fields if names is None or f.name in names]
        related = {f.name: f.read_many(rows) for f in fields if isinstance(f, Related)}
        return [
            {f.name: related[f.name].get(row.pk, []) if f.name in related else f.read(row) for f in fields}
            for row in rows
        ]

    def current(self, slug):
        """The item as the database holds it now, or None."""
        dicts = self.to_dicts(self.model.objects.filter(slug=slug))
        return dicts[0] if dicts else None

    def apply(self, item, *, deferred=False):
        """Write the item's row and related rows (or, with `deferred`, only the fields that wait for the others)."""
        if deferred:
            row = self.model.objects.get(slug=item["slug"])
            for field in self.related:
                if field.deferred:
                    field.write(row, item[field.name])
            return row
        slug, *plain = self.plain
        row, _ = self.model.objects.update_or_create(
            slug=item[slug.name], defaults={f.name: f.to_model(item[f.name]) for f in plain}
        )
        if self.validate:
            row.full_clean()
        for field in self.related:
            if not field.deferred:
                field.write(row, item[field.name])
        for check in self.checks:
            check(row, item)
        return row


GUIDE = Shape(
    "guide",
    Guide,
    (
        Text("slug"),
        Text("title"),
        Text("category"),
        Text("summary"),
        Text("status", Guide.Status.PUBLISHED.value),
        Number("order", 100),
        Day("last_reviewed"),
        Reviews(),
        RelatedGuides(),
        References(),
        Text("body"),
    ),
    export_order=("category", "order", "slug"),
    validate=True,
)


def _unticked_is_a_choice(question, item):
    if item["unticked"] and not question.choices.filter(slug=item["unticked"]).exists():
        raise ContentError(f"question {question.slug}: unticked names an unknown choice {item['unticked']!r}")


QUESTION = Shape(
    "question",
    Question,
    (
        Text("slug"),
        Text("text"),
        Text("short_label"),
        Text("help_text", ""),
        Number("order", 100),
        AskedFor(),
        Flag("in_service_summary", True),
        # How the adaptive checkup (diagnosis.interview) asks it.
        Number("triage", 0, omit_when_empty=True),
        AskWhen(),
        Text("screen", "", omit_when_empty=True),
        Text("unticked", "", omit_when_empty=True),
        Choices(),
    ),
    export_order=("order", "id"),
    checks=(_unticked_is_a_choice,),
)
ACTION = Shape(
    "action",
    Action,
    (Text("slug"), Text("text"), Text("detail", ""), Number("priority", 50)),
    export_order=("priority", "slug"),
)
CAUSE = Shape(
    "cause",
    Cause,
    (
        Text("slug"),
        Text("title"),
        Flag("urgent", False),
        Text("urgent_message", ""),
        Text("explanation"),
        Text("what_would_change", ""),
        Number("order", 100),
        CauseActions(),
        CauseGuides(),
        CauseEvidence(),
    ),
    export_order=("order", "id"),
)
SHAPES = {shape.kind: shape for shape in (GUIDE, QUESTION, ACTION, CAUSE)}

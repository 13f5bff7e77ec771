"""The editors' outcomes dashboard: daily `Tally` counts summed over a period, turned into sections.

Only `Tally` is read, so purging expired results never changes a number here. `period_totals` is the one
query; everything after it is pure: each `Section` holds the rows that the page's table, its SVG chart and
the CSV export all print, so the three can never disagree.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from diagnosis.engine import SYMPTOM

from .models import FindingVote, FollowUp, Tally

TOP_CAUSES_PER_SYMPTOM = 5

# Okabe–Ito colours: told apart with common colour blindness, readable on the admin's light and dark themes.
BLUE, SKY, GREEN, ORANGE, GREY, LIGHT_GREY = "#0072B2", "#56B4E9", "#009E73", "#D55E00", "#8C8C8C", "#BBBBBB"


def period_totals(start, end):
    """{(kind, key): summed count} for the days from `start` to `end` inclusive, in one query."""
    rows = (
        Tally.objects.filter(day__gte=start, day__lte=end).values("kind", "key").annotate(total=Sum("count")).order_by()
    )
    return {(row["kind"], row["key"]): row["total"] for row in rows}


# --- what a section is made of -------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A share shown as a percentage; "—" when there is nothing to divide by."""

    part: int
    whole: int

    @property
    def value(self):
        return self.part / self.whole if self.whole > 0 else None

    def __str__(self):
        return "—" if self.value is None else f"{self.value:.1%}"


@dataclass(frozen=True)
class Column:
    title: str
    fill: str = ""  # columns with a fill are drawn in the chart, in this colour


@dataclass(frozen=True)
class Row:
    key: str  # the Tally key part, e.g. a symptom, question, cause or guide slug
    label: str
    cells: tuple  # one int, Rate or None ("—", nothing to compare with) per column
    group: str = ""  # rows sharing a group are shown under one heading (top causes per symptom)
    note: str = ""

    @property
    def texts(self):
        """The cells exactly as the table and the CSV print them."""
        return tuple("—" if cell is None else str(cell) for cell in self.cells)


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    about: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    stacked: bool = False  # chart: one bar split by column (parts of a whole) instead of a bar per column
    chart_rate: int | None = None  # chart: index of a Rate column printed after each bar

    @property
    def chart(self):
        return bar_chart(self)


# --- labels ------------------------------------------------------------------------------------------


def _ordered(known, counted):
    """The known slugs in their order, then slugs only the counts know (renamed or removed content)."""
    extra = sorted(set(counted) - set(known))
    return [*known, *extra]


def _keys(totals, kind):
    return [key for (k, key) in totals if k == kind]


def _split(key):
    """ "<item>:<answer>" → (item, answer); the item may be empty (a follow-up without a clear cause)."""
    item, _sep, answer = key.rpartition(":")
    return item, answer


class Labels:
    """Names editors recognise, from the knowledge base and guide titles; a slug stands in for unknown ones."""

    def __init__(self, kb, guide_titles):
        self.kb = kb
        self.guide_titles = guide_titles
        symptom_question = kb.question(SYMPTOM)
        self.symptoms = {c.slug: c.label for c in symptom_question.choices} if symptom_question else {}

    def symptom(self, slug):
        return self.symptoms.get(slug) or slug or _("（未选择）")

    def question(self, slug):
        question = self.kb.question(slug)
        return (question.short_label or question.text) if question else slug

    def screen_questions(self, slug):
        """The questions asked on screen `slug`: one, or every question of a grouped screen."""
        grouped = [q for q in self.kb.questions if q.screen == slug]
        if grouped:
            return grouped
        question = self.kb.question(slug)
        return [question] if question is not None else []

    def screen(self, slug):
        grouped = [q for q in self.kb.questions if q.screen == slug]
        if not grouped:
            return self.question(slug)
        return _("多选：") + "、".join(q.short_label or q.slug for q in grouped)

    def cause(self, slug):
        cause = self.kb.cause(slug)
        return cause.title if cause else slug or _("（没有明确原因）")

    def guide(self, slug):
        return self.guide_titles.get(slug) or slug


# --- the six sections ----------------------------------------------------------------------------------


def build_sections(totals, *, kb, guide_titles):
    """Every section of the dashboard from one period's totals."""
    labels = Labels(kb, guide_titles)
    return [
        checkups_section(totals, labels),
        funnel_section(totals, labels),
        causes_section(totals, labels),
        agreement_section(totals, labels),
        helpfulness_section(totals, labels),
        recovery_section(totals, labels),
    ]


def checkups_section(totals, labels):
    started, finished = Tally.Kind.STARTED, Tally.Kind.FINISHED
    symptoms = _ordered(list(labels.symptoms), _keys(totals, started) + _keys(totals, finished))
    rows = []
    for symptom in symptoms:
        began, done = totals.get((started, symptom), 0), totals.get((finished, symptom), 0)
        rows.append(Row(symptom, labels.symptom(symptom), (began, done, Rate(done, began))))
    return Section(
        slug="checkups",
        title=_("开始和完成的体检"),
        about=_("按遇到的情况统计。完成率 = 完成 ÷ 开始；跨越所选期间开头或结尾的体检可能让完成率略有偏差。"),
        columns=(Column(_("开始"), SKY), Column(_("完成"), BLUE), Column(_("完成率"))),
        rows=tuple(rows),
        chart_rate=2,
    )


def _screen_keys(kb):
    """Every screen's slug in the knowledge base's question order: a question's own, or its grouped screen's once."""
    keys = []
    for question in kb.questions:
        key = question.screen or question.slug
        if key not in keys:
            keys.append(key)
    return keys


def funnel_section(totals, labels):
    """Per screen: how many checkups were shown it, how many answered it, and how many left there.

    The checkup picks its screens per person and stops when the result is clear, so "fewer than the screen
    before" says nothing; what is right whatever the path is each screen's own count of people who reached it and
    did not answer. A grouped screen counts once. The first screen is reached by opening the checkup, which is not
    counted (crawlers would count too): its "reached" is "—". The reach (answers ÷ checkups started with a
    symptom that gets this screen) stays, for the questions asked only for some symptoms.
    """
    answered, reached = Tally.Kind.ANSWERED, Tally.Kind.REACHED
    started = {key: totals[(Tally.Kind.STARTED, key)] for key in _keys(totals, Tally.Kind.STARTED)}
    rows = []
    counted = set(_keys(totals, answered)) | set(_keys(totals, reached))
    for slug in _ordered(_screen_keys(labels.kb), counted):
        count = totals.get((answered, slug), 0)
        questions = labels.screen_questions(slug)
        asked = sum(n for symptom, n in started.items() if any(q.applies_to(symptom) for q in questions))
        note = ""
        limited = [q for q in questions if q.asked_for]
        if questions and len(limited) == len(questions):
            only = set().union(*(q.asked_for for q in limited))
            note = _("只问：") + "、".join(labels.symptom(s) for s in labels.symptoms if s in only)
        if slug == SYMPTOM:
            shown, left, left_rate = None, None, None
        else:
            shown = totals.get((reached, slug), 0)
            left = max(shown - count, 0)
            left_rate = Rate(left, shown)
        rows.append(Row(slug, labels.screen(slug), (shown, count, left, left_rate, Rate(count, asked)), note=note))
    return Section(
        slug="funnel",
        title=_("在哪一步离开"),
        about=_(
            "体检按每个人的回答挑问题，回答清楚了就提前结束，所以每个人看到的问题和顺序不同。"
            "这里按问题算：多少次体检看到了这一题、回答了它，没回答就离开的有多少。"
            "“多选”的一屏只算一次。第一题“遇到的情况”不统计看到次数。"
            "到达率 = 回答 ÷ 会被问到这题的开始体检数（标着“只问”的题只问部分情况的人）。"
        ),
        columns=(
            Column(_("看到"), SKY),
            Column(_("回答"), BLUE),
            Column(_("在这里离开")),
            Column(_("离开比例")),
            Column(_("到达率")),
        ),
        rows=tuple(rows),
        chart_rate=3,
    )


def causes_section(totals, labels):
    kind = Tally.Kind.CAUSE
    counted = {}
    for key in _keys(totals, kind):
        symptom, _sep, cause = key.partition(":")
        counted.setdefault(symptom, {})[cause] = totals[(kind, key)]
    cause_order = {cause.slug: position for position, cause in enumerate(labels.kb.causes)}
    rows = []
    for symptom in _ordered([s for s in labels.symptoms if s in counted], counted):
        finished = totals.get((Tally.Kind.FINISHED, symptom), 0)
        ranked = sorted(
            counted[symptom].items(), key=lambda item: (-item[1], cause_order.get(item[0], len(cause_order)), item[0])
        )
        for cause, count in ranked[:TOP_CAUSES_PER_SYMPTOM]:
            rows.append(
                Row(
                    f"{symptom}:{cause}",
                    labels.cause(cause),
                    (count, Rate(count, finished)),
                    group=labels.symptom(symptom),
                )
            )
    return Section(
        slug="causes",
        title=_("最常见的原因"),
        about=_("每种情况下，完成的体检里被判为“很可能”或“可能”最多的 %(count)d 个原因。")
        % {"count": TOP_CAUSES_PER_SYMPTOM},
        columns=(Column(_("次数"), BLUE), Column(_("占该情况完成数"))),
        rows=tuple(rows),
        chart_rate=1,
    )


def _answer_rows(totals, kind, items, answers, label):
    """One row per item with a count per answer, for "<item>:<answer>" keys (votes, follow-ups)."""
    counted = {}
    for key in _keys(totals, kind):
        item, answer = _split(key)
        counted.setdefault(item, {})[answer] = totals[(kind, key)]
    return [
        (item, label(item), [counted.get(item, {}).get(answer, 0) for answer in answers])
        for item in _ordered(items, counted)
    ]


def agreement_section(totals, labels):
    verdicts = [FindingVote.Verdict.RIGHT, FindingVote.Verdict.WRONG, FindingVote.Verdict.UNSURE]
    rows = []
    for cause, label, (right, wrong, unsure) in _answer_rows(
        totals, Tally.Kind.VERDICT, [c.slug for c in labels.kb.causes], verdicts, labels.cause
    ):
        rows.append(Row(cause, label, (right, wrong, unsure, Rate(right, right + wrong + unsure))))
    return Section(
        slug="agreement",
        title=_("“这个判断对吗？”"),
        about=_("访客对每个原因的判断。认同率 = 对 ÷（对 + 不对 + 说不准）；每个浏览器每条结论只算一票。"),
        columns=(
            Column(FindingVote.Verdict.RIGHT.label, GREEN),
            Column(FindingVote.Verdict.WRONG.label, ORANGE),
            Column(FindingVote.Verdict.UNSURE.label, GREY),
            Column(_("认同率")),
        ),
        rows=tuple(rows),
        stacked=True,
        chart_rate=3,
    )


def helpfulness_section(totals, labels):
    rows = []
    for guide, label, (yes, no) in _answer_rows(
        totals, Tally.Kind.HELPFUL, list(labels.guide_titles), ["yes", "no"], labels.guide
    ):
        rows.append(Row(guide, label, (yes, no, Rate(yes, yes + no))))
    return Section(
        slug="helpfulness",
        title=_("“这篇有帮助吗？”"),
        about=_("每篇指南的反馈。有帮助比例 = 有帮助 ÷（有帮助 + 没帮助）；每个浏览器每篇只算一票。"),
        columns=(Column(_("有帮助"), GREEN), Column(_("没帮助"), ORANGE), Column(_("有帮助比例"))),
        rows=tuple(rows),
        stacked=True,
        chart_rate=2,
    )


def recovery_section(totals, labels):
    outcomes = [FollowUp.Outcome.RECOVERED, FollowUp.Outcome.PARTLY, FollowUp.Outcome.NO, FollowUp.Outcome.NOT_TRIED]
    rows = []
    for cause, label, (recovered, partly, no, not_tried) in _answer_rows(
        totals, Tally.Kind.OUTCOME, [c.slug for c in labels.kb.causes], outcomes, labels.cause
    ):
        tried = recovered + partly + no
        rows.append(Row(cause, label, (recovered, partly, no, not_tried, Rate(recovered + partly, tried))))
    return Section(
        slug="recovery",
        title=_("“你的额度恢复了吗？”"),
        about=_(
            "完成体检 %(days)d 天后的回访，按当时最可能的原因统计。"
            "恢复率 =（恢复了 + 恢复了一部分）÷（恢复了 + 恢复了一部分 + 没有恢复），“还没试过”不计入。"
        )
        % {"days": settings.FOLLOW_UP_AFTER_DAYS},
        columns=(
            Column(FollowUp.Outcome.RECOVERED.label, GREEN),
            Column(FollowUp.Outcome.PARTLY.label, SKY),
            Column(FollowUp.Outcome.NO.label, ORANGE),
            Column(FollowUp.Outcome.NOT_TRIED.label, LIGHT_GREY),
            Column(_("恢复率")),
        ),
        rows=tuple(rows),
        stacked=True,
        chart_rate=4,
    )


def csv_rows(sections):
    """The CSV export: per section a header line, then section, key, label and the same texts as the table."""
    for section in sections:
        yield [_("分区"), _("标识"), _("名称"), *(column.title for column in section.columns)]
        for row in section.rows:
            label = f"{row.group} · {row.label}" if row.group else row.label
            yield [section.title, row.key, label, *row.texts]
        yield []


# --- the chart: geometry for a server-rendered SVG ----------------------------------------------------

CHART_WIDTH = 760
LABEL_WIDTH = 210  # labels right-aligned in this band
VALUE_WIDTH = 130  # the number (and rate) after the longest bar
PLOT_WIDTH = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 16
LINE = 24  # one single or stacked bar, a group heading, the legend
SERIES_LINE = 13  # one bar of a grouped row
LABEL_CHARACTERS = 14


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    bold: bool = False
    full_text: str = ""  # when `text` is shortened


@dataclass(frozen=True)
class BarChart:
    slug: str
    title: str
    width: int
    height: int
    rects: tuple[Rect, ...]
    texts: tuple[Text, ...]
    legend: tuple[tuple[Rect, Text], ...]


def _shorten(label):
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(section):
    """Lay out the section's drawn columns as horizontal bars: stacked, grouped side by side, or single."""
    drawn = [index for index, column in enumerate(section.columns) if column.fill]
    grouped = len(drawn) > 1 and not section.stacked
    row_height = SERIES_LINE * len(drawn) + 8 if grouped else LINE
    rects, texts, legend = [], [], []
    y = 4
    if len(drawn) > 1:
        x = LABEL_WIDTH
        for index in drawn:
            column = section.columns[index]
            legend.append((Rect(x, y + 6, 12, 12, column.fill, column.title), Text(x + 16, y + 16, column.title)))
            x += 28 + 14 * len(column.title)
        y += LINE
    bars = [[max(row.cells[i] or 0, 0) for i in drawn] for row in section.rows]  # None: not counted
    biggest = max((sum(values) if section.stacked else max(values) for values in bars), default=0)
    scale = PLOT_WIDTH / biggest if biggest > 0 else 0
    group = None
    for row, values in zip(section.rows, bars, strict=True):
        if row.group and row.group != group:
            group = row.group
            texts.append(Text(8, y + 16, _shorten(group), bold=True, full_text=group))
            y += LINE
        middle = y + row_height / 2 + 5
        texts.append(Text(LABEL_WIDTH - 8, middle, _shorten(row.label), "end", full_text=row.label))
        x = LABEL_WIDTH
        for line, (index, value) in enumerate(zip(drawn, values, strict=True)):
            column, width = section.columns[index], round(value * scale, 1)
            title = f"{row.label} · {column.title}：{row.texts[index]}"
            if grouped:
                bar_y = y + 4 + line * SERIES_LINE
                rects.append(Rect(LABEL_WIDTH, bar_y, width, SERIES_LINE - 2, column.fill, title))
                texts.append(Text(LABEL_WIDTH + width + 6, bar_y + SERIES_LINE - 3, row.texts[index]))
            else:
                rects.append(Rect(x, y + 4, width, LINE - 8, column.fill, title))
                x += width
        rate = f"{row.cells[section.chart_rate]}" if section.chart_rate is not None else ""
        if grouped:
            if rate:
                texts.append(Text(CHART_WIDTH - 8, middle, rate, "end"))
        else:
            total = sum(row.cells[i] or 0 for i in drawn)
            if section.stacked and not total:
                texts.append(Text(x + 6, middle, "—"))  # no votes: a rate of "—" would only repeat it
            else:
                texts.append(Text(x + 6, middle, f"{total} · {rate}" if rate else str(total)))
        y += row_height
    if not section.rows:
        texts.append(Text(LABEL_WIDTH, y + 16, _("这段时间没有数据。")))
        y += LINE
    return BarChart(
        slug=section.slug,
        title=section.title,
        width=CHART_WIDTH,
        height=int(y + 4),
        rects=tuple(rects),
        texts=tuple(texts),
        legend=tuple(legend),
    )

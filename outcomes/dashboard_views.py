"""The editors' "效果看板": what people's checkups, votes and follow-ups say about the content, per period.

Staff with the "view_dashboard" permission only: a page of the admin site (`admin:dashboard`, registered in
outcomes/admin.py). The view parses the period, asks `outcomes.dashboard` for the sections, and renders them as
a page or as CSV; both print the same `Section` rows.
"""

import csv
import re
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from diagnosis.knowledge import get_knowledge_base
from guides.models import Guide

from . import dashboard as outcomes

DEFAULT_DAYS = 30
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the browser's date picker wants ISO
NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


def default_period(today):
    """The last 30 days, today included."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class PeriodForm(forms.Form):
    """Both dates optional: a missing start or end falls back to the default period's."""

    start = forms.DateField(label=gettext_lazy("开始日期"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("结束日期"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, today, **kwargs):
        self.default = default_period(today)
        super().__init__(*args, initial=dict(zip(("start", "end"), self.default, strict=True)), **kwargs)

    def clean(self):
        cleaned = super().clean()
        if "start" in cleaned and "end" in cleaned:  # both parsed (or left empty)
            cleaned["end"] = end = cleaned["end"] or self.default[1]
            cleaned["start"] = start = cleaned["start"] or min(self.default[0], end)
            if end < start:
                raise forms.ValidationError(_("结束日期不能早于开始日期。"), code="end_before_start")
        return cleaned

    def period(self):
        """The chosen (start, end); the default period when nothing was asked for or the input is wrong."""
        if not self.is_bound or not self.is_valid():
            return self.default
        return self.cleaned_data["start"], self.cleaned_data["end"]


DASHBOARD_PERMISSION = "outcomes.view_dashboard"


@require_GET
def dashboard(request):
    """The page, or with `?format=csv` the same numbers as a spreadsheet; a bad date never fails the page.

    Staff need the dashboard's own permission (the "内容编辑" group has it), not merely `is_staff`.
    """
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    asked = any(request.GET.get(name) for name in ("start", "end"))
    form = PeriodForm(request.GET if asked else None, today=timezone.localdate())
    start, end = form.period()
    sections = outcomes.build_sections(
        outcomes.period_totals(start, end),
        kb=get_knowledge_base(),
        guide_titles=dict(Guide.objects.values_list("slug", "title")),
    )
    if request.GET.get("format") == "csv":
        return csv_response(sections, start, end)
    context = {
        **admin.site.each_context(request),
        "title": _("效果看板"),
        "form": form,
        "start": start,
        "end": end,
        "sections": sections,
    }
    return TemplateResponse(request, "admin/dashboard/index.html", context)


def csv_response(sections, start, end):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"dashboard-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    )
    response.write("\ufeff")  # a byte-order mark, so Excel reads the Chinese as UTF-8
    writer = csv.writer(response)
    for row in outcomes.csv_rows(sections):
        writer.writerow([_neutralised(cell) for cell in row])
    return response


def _neutralised(cell):
    """A label an editor typed must not run as a spreadsheet formula; numbers and rates are left alone."""
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell

"""Small tools that help people check an offer themselves. GET forms: a result can be bookmarked and shared."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import LoanCostForm


@require_GET
def loan_cost(request):
    """The form and, once filled in, the result or a plain-words error on the same page (400, never a 500)."""
    asked = any(name in request.GET for name in LoanCostForm.base_fields)
    form = LoanCostForm(request.GET if asked else None)
    result = form.cleaned_data["result"] if asked and form.is_valid() else None
    return render(request, "tools/loan_cost.html", {"form": form, "result": result}, status=400 if form.errors else 200)

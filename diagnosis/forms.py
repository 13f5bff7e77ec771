"""One form per questionnaire step, built from the knowledge base's question.

The field is named by the question slug and its values are the choice slugs (a public contract), so
a tampered value is just an invalid choice: the same step comes back with a friendly error.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _


class ChoiceCards(forms.RadioSelect):
    """Radio buttons that also carry each choice's help line, rendered as large labelled cards."""

    def __init__(self, help_texts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.help_texts = help_texts

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["help"] = self.help_texts.get(value, "")
        return option


class StepForm(forms.Form):
    def __init__(self, question, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields[question.slug] = forms.ChoiceField(
            label=question.text,
            help_text=question.help_text,
            choices=[(c.slug, c.label) for c in question.choices],
            widget=ChoiceCards({c.slug: c.help_text for c in question.choices}),
            error_messages={
                "required": _("请选择一项。拿不准的话，选最接近的那一项。"),
                "invalid_choice": _("这个选项不在列表里，请从下面重新选一项。"),
            },
        )
        self.helper = FormHelper()
        self.helper.form_tag = False  # the step template owns the <form>, its htmx attributes and buttons
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field(question.slug, template="diagnosis/fields/choice_cards.html"))

    @property
    def choice(self):
        return self.cleaned_data[self.question.slug]


class PlanForm(forms.Form):
    """Ticks on a result's action plan: the whole list (a plain form POST), or one item (htmx, `item` set).

    Only the plan's own action slugs are valid, so a tampered or stale slug is a 400 that changes nothing.
    """

    done = forms.MultipleChoiceField(required=False)
    item = forms.ChoiceField(required=False)

    def __init__(self, *args, plan=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done"].choices = [(slug, slug) for slug in plan]
        self.fields["item"].choices = [("", ""), *((slug, slug) for slug in plan)]

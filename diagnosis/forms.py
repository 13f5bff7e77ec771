"""One form per questionnaire step, built from the knowledge base's question.

The field is named by the question slug and its values are the choice slugs (a public contract), so
a tampered value is just an invalid choice: the same step comes back with a friendly error.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FindingVote, FollowUp


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

    @property
    def field(self):
        """The one bound field, which the step template renders as choice cards (diagnosis/fields/)."""
        return self[self.question.slug]

    @property
    def choice(self):
        return self.cleaned_data[self.question.slug]


class FindingVoteForm(forms.Form):
    cause = forms.ChoiceField()
    verdict = forms.ChoiceField(choices=FindingVote.Verdict.choices)

    def __init__(self, *args, causes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [(c, c) for c in causes]


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(choices=FollowUp.Outcome.choices)

"""The feedback forms: "这个判断对吗？", "你的额度恢复了吗？" and "这篇有帮助吗？" (plain-text comment only)."""

import html

import nh3
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FindingVote, FollowUp

COMMENT_LIMIT = 500


class GuideFeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", _("有帮助")), ("no", _("没帮助"))], coerce=lambda v: v == "yes")
    comment = forms.CharField(
        label=_("还有什么想告诉我们的？（选填）"),
        required=False,
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_LIMIT}),
        help_text=_("最多 500 字。请不要填写姓名、电话、身份证号等个人信息。"),
        error_messages={"max_length": _("留言最多 500 字，现在是 %(show_value)d 字。")},
    )

    def clean_comment(self):
        """Plain text only: nh3 drops every tag (and script/style content); entities are turned back to text."""
        return html.unescape(nh3.clean(self.cleaned_data["comment"], tags=set())).strip()


class FindingVoteForm(forms.Form):
    cause = forms.ChoiceField()
    verdict = forms.ChoiceField(choices=FindingVote.Verdict.choices)

    def __init__(self, *args, causes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [(c, c) for c in causes]


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(choices=FollowUp.Outcome.choices)

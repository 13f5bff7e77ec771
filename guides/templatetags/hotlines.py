"""`{{ text|hotlines }}`: the hotlines in a plain text (95188, 110, 12378 …) as tap-to-call links, the rest escaped.

Any page may load it: a phone number someone needs in a hurry should be one tap away wherever it is shown.
"""

from django import template

from ..rendering import link_hotlines

register = template.Library()


@register.filter(is_safe=True)
def hotlines(text):
    return link_hotlines(text)

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(rate):
    """0.1797 → "17.97%": rates are kept as fractions and shown to two decimals."""
    return f"{floatformat(rate * 100, 2)}%"


@register.filter
def yuan(amount):
    """13200 → "13,200.00": grouped the way bank statements show money."""
    return f"{amount:,.2f}"

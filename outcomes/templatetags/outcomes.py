from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing): this browser's vote on one finding."""
    return (mapping or {}).get(key)

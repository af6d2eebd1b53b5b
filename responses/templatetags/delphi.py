"""The Delphi feedback's figures made ready for the page: each answer's share in whole
percent (the bar's width class) with its label, the expert's previous answer marked."""

from django import template
from django.utils.translation import gettext

from ..choices import SCALE, SECTOR_GROUPS

register = template.Library()


@register.simple_tag
def feedback_segments(distribution, previous):
    """[{value, label, count, percent, own}] in the scale's order."""
    counts = distribution.get("counts", {})
    total = sum(counts.values()) or 1
    return [
        {
            "value": value,
            "label": gettext(label),
            "count": counts.get(str(value), 0),
            "percent": round(100 * counts.get(str(value), 0) / total),
            "own": value == previous,
        }
        for value, label in SCALE
    ]


@register.simple_tag
def scale_label(value):
    labels = dict(SCALE)
    return gettext(labels[value]) if value in labels else gettext("Not answered")


@register.simple_tag
def sector_label(code):
    return gettext(dict(SECTOR_GROUPS).get(code, code))

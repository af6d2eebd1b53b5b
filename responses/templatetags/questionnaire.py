"""The answer scale of one statement, rendered in Python: a page shows sixty of these radios,
and the template engine spent most of a page's time on them."""

from django import template
from django.utils.html import format_html_join

from ..choices import DONT_KNOW, SCALE

register = template.Library()

# Each option is its own label, the whole cell (wide screens) or a full-width row (phones)
# a target; "I don't know" is set apart (q-dk) from the five points of the scale.
_OPTION = (
    '<label class="q-opt{5}" for="v{0}_{1}">'
    '<input class="q-radio" type="radio" name="value_{0}" id="v{0}_{1}" value="{2}"{3}>'
    '<span class="q-opt-text">{4}</span>'
    "</label>\n"
)


def _apart(value) -> str:
    return " q-dk" if value == DONT_KNOW else ""


@register.simple_tag
def scale_options(statement, answer):
    chosen = answer.value if answer is not None else None
    return format_html_join(
        "",
        _OPTION,
        (
            (statement.pk, index, value, " checked" * (value == chosen), label, _apart(value))
            for index, (value, label) in enumerate(SCALE, start=1)
        ),
    )


@register.simple_tag
def scale_headers():
    """The grid's column headers (wide screens), the options' labels in the same order."""
    return format_html_join(
        "", '<span class="q-col{1}">{0}</span>', ((label, _apart(value)) for value, label in SCALE)
    )

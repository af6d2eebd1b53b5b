"""The answer scale of one statement, rendered in Python: a page shows sixty of these radios,
and the template engine spent most of a page's time on them."""

from django import template
from django.utils.html import format_html_join

from ..choices import SCALE

register = template.Library()

_OPTION = (
    '<div class="form-check">'
    '<input class="form-check-input" type="radio" name="value_{0}" id="v{0}_{1}" '
    'value="{2}"{3}>'
    '<label class="form-check-label" for="v{0}_{1}">{4}</label>'
    "</div>\n"
)


@register.simple_tag
def scale_options(statement, answer):
    chosen = answer.value if answer is not None else None
    return format_html_join(
        "",
        _OPTION,
        (
            (statement.pk, index, value, " checked" if value == chosen else "", label)
            for index, (value, label) in enumerate(SCALE, start=1)
        ),
    )

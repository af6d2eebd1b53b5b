"""The answer scale of one statement, rendered in Python: a page shows sixty of these radios,
and the template engine spent most of a page's time on them. The six labels are escaped
into one format string per language, so each statement costs one format_html call with
its id and which option is checked."""

from functools import lru_cache

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import get_language

from ..choices import DONT_KNOW, SCALE

register = template.Library()

# Each option is its own label, the whole cell (wide screens) or a full-width row (phones)
# a target; "I don't know" is set apart (q-dk) from the five points of the scale.
_OPTION = (
    '<label class="q-opt{apart}" for="v{{pk}}_{index}">'
    '<input class="q-radio" type="radio" name="value_{{pk}}" id="v{{pk}}_{index}" '
    'value="{value}"{{c{index}}}>'
    '<span class="q-opt-text">{label}</span>'
    "</label>\n"
)


def _apart(value) -> str:
    return " q-dk" if value == DONT_KNOW else ""


def _label(label) -> str:
    """A label escaped for HTML and for str.format."""
    return escape(label).replace("{", "{{").replace("}", "}}")


@lru_cache(maxsize=16)
def _scale_format(language: str | None) -> str:
    return "".join(
        _OPTION.format(apart=_apart(value), index=index, value=value, label=_label(label))
        for index, (value, label) in enumerate(SCALE, start=1)
    )


@register.simple_tag
def scale_options(statement, answer):
    chosen = answer.value if answer is not None else None
    checked = {
        f"c{index}": " checked" if value == chosen else ""
        for index, (value, _) in enumerate(SCALE, start=1)
    }
    return format_html(_scale_format(get_language()), pk=statement.pk, **checked)


@register.simple_tag
def scale_headers():
    """The grid's column headers (wide screens), the options' labels in the same order."""
    return format_html_join(
        "", '<span class="q-col{}">{}</span>', ((_apart(value), label) for value, label in SCALE)
    )

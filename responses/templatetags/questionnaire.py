"""The answer scale of one statement, rendered in Python: a page shows sixty of these radios,
and the template engine spent most of a page's time on them. The six labels are escaped
into one format string per language, so each statement costs one format_html call with
its id and which option is checked."""

import json
from functools import lru_cache

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import get_language, gettext, gettext_lazy

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
        _OPTION.format(apart=_apart(value), index=index, value=value, label=_label(gettext(label)))
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
    headers = ((_apart(value), gettext(label)) for value, label in SCALE)
    return format_html_join("", '<span class="q-col{}">{}</span>', headers)


# What questionnaire.js writes on the page, in the expert's language: {placeholders} are its.
SCRIPT_WORDS = {
    "saving": gettext_lazy("Saving…"),
    "saved": gettext_lazy("Saved"),
    "not_saved": gettext_lazy("Not saved"),
    "unsaved": gettext_lazy("Unsaved changes…"),
    "try_again": gettext_lazy("please try again."),
    "retrying": gettext_lazy("Retrying in {seconds} s…"),
    "of_total": gettext_lazy("{answered} of {total}"),
    "server": gettext_lazy(
        "Not saved yet: the server is not answering. Your choice stays on screen."
    ),
    "offline": gettext_lazy(
        "Not saved yet: no connection to the server. Your choice stays on screen."
    ),
    "offline_next": gettext_lazy("Not saved yet: no connection to the server. Press Next to save."),
    "resent_one": gettext_lazy("One choice that was not saved before is being sent again."),
    "resent_many": gettext_lazy("Choices that were not saved before are being sent again."),
    "reason_needed": gettext_lazy(
        "Your answer moved from your previous one: please give your reason."
    ),
    "session": gettext_lazy(
        "Your session has ended. Your choice is still on screen but was not saved: please "
        "open your personal link again."
    ),
}


@register.simple_tag
def questionnaire_words():
    """As JSON for the form's data-words attribute (escaped there like any attribute): no
    script on the page, so the CSP stays strict."""
    return json.dumps({key: str(text) for key, text in SCRIPT_WORDS.items()}, ensure_ascii=False)

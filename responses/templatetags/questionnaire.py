"""The answer scale of one statement, rendered in Python: a page shows sixty of these radios,
and the template engine spent most of a page's time on them."""

import json

from django import template
from django.utils.html import format_html_join
from django.utils.translation import gettext, gettext_lazy

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
    labels = [(value, gettext(label)) for value, label in SCALE]
    return format_html_join(
        "",
        _OPTION,
        (
            (statement.pk, index, value, " checked" if value == chosen else "", label)
            for index, (value, label) in enumerate(labels, start=1)
        ),
    )


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

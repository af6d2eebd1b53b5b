"""The HTML part of an email: one column at most 600 px wide, 16 px text, a button for the
personal link with the plain link below it, no remote images, a viewport meta tag.

Built here rather than in a template: mail clients drop `<style>` blocks, so the styles are
inline attributes, which the site's templates never carry (its pages run under a strict
Content-Security-Policy). Every text is escaped; only the layout below is markup."""

import re

from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

_FIELD = re.compile(r"\{([A-Za-z_]+)\}")
LINK_FIELDS = {"link", "decline_link"}

FONT = "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;"
PARAGRAPH = "margin:0 0 16px;font-size:16px;line-height:1.5;"
LINK = "color:#0b5394;text-decoration:underline;word-break:break-all;"
BUTTON = (
    "display:inline-block;padding:12px 24px;font-family:Arial,Helvetica,sans-serif;"
    "font-size:18px;font-weight:bold;line-height:1.3;color:#ffffff;background:#0b5394;"
    "border-radius:6px;text-decoration:none;"
)
PLAIN_LINK = PARAGRAPH + "word-break:break-all;"
# A line that ends like this, or a next line that starts a list, keeps its line break; any
# other break was the template's hard wrap, and reflows on a phone.
_KEEP_BREAK_AFTER = (",", ":", ";")
_LIST_ITEM = re.compile(r"\s*([-*•]|\d+[.)])\s")


def _merge_line(line: str, values: dict[str, str]) -> str:
    parts, last = [], 0
    for match in _FIELD.finditer(line):
        parts.append(escape(line[last : match.start()]))
        name = match.group(1)
        value = values.get(name, match.group(0))
        if name in LINK_FIELDS:
            parts.append(format_html('<a href="{}" style="{}">{}</a>', value, LINK, value))
        else:
            parts.append(escape(value))
        last = match.end()
    parts.append(escape(line[last:]))
    return "".join(parts)


def _join_lines(lines: list[str]) -> str:
    out = ""
    for index, line in enumerate(lines):
        if index:
            previous = lines[index - 1].rstrip()
            keep = previous.endswith(_KEEP_BREAK_AFTER) or _LIST_ITEM.match(line)
            out += "<br>\n" if keep else " "
        out += line
    return out


def _button(link: str) -> str:
    return format_html(
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" '
        'style="margin:4px 0 12px;"><tr><td style="border-radius:6px;background:#0b5394;">'
        '<a href="{link}" style="{button}">{label}</a></td></tr></table>\n'
        '<p style="{plain}">{copy}<br>\n<a href="{link}" style="{style}">{link}</a></p>\n',
        link=link,
        button=BUTTON,
        label=_("Open the survey"),
        plain=PLAIN_LINK,
        copy=_("If the button does not work, copy this link into your browser:"),
        style=LINK,
    )


def _paragraph(text: str, values: dict[str, str]) -> str:
    """A paragraph of the template. A line that is the personal link alone becomes the
    button, with the plain link below it."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    html, words = "", []
    for line in lines:
        if line == "{link}":
            if words:
                html += format_html('<p style="{}">', PARAGRAPH) + _join_lines(words) + "</p>\n"
                words = []
            html += _button(values.get("link", ""))
        else:
            words.append(_merge_line(line, values))
    if words:
        html += format_html('<p style="{}">', PARAGRAPH) + _join_lines(words) + "</p>\n"
    return html


def email_html(*, body: str, values: dict[str, str], subject: str, language: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", body.replace("\r\n", "\n")) if p.strip()]
    content = "".join(_paragraph(p, values) for p in paragraphs)
    head = format_html(
        '<!doctype html>\n<html lang="{}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>{}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background:#f4f5f7;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#f4f5f7;"><tr><td align="center" style="padding:16px 8px;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="max-width:600px;background:#ffffff;border-radius:6px;">'
        '<tr><td style="padding:24px 20px;{}">\n',
        language,
        subject,
        FONT,
    )
    return head + content + "</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n"

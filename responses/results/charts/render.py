"""A chart's shapes written as SVG (escaped; no scripts, no style attributes, so a strict
CSP holds) or painted as PNG with Pillow, so that both downloads show the same picture."""

import io

from django.utils.html import escape

from .base import Chart


def svg(chart: Chart) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{chart.width}" height="{chart.height}" '
        f'viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{chart.name}-title {chart.name}-desc" font-family="sans-serif">',
        f'<title id="{chart.name}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.name}-desc">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{chart.width}" height="{chart.height}" fill="#ffffff"/>',
    ]
    parts += [_svg_shape(shape) for shape in chart.shapes]
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_shape(shape) -> str:
    kind, *a = shape
    if kind == "rect":
        x, y, w, h, fill = a
        return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'
    if kind == "line":
        x1, y1, x2, y2, stroke = a
        return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'
    if kind == "circle":
        cx, cy, r, fill = a
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}"/>'
    x, y, text, anchor, size, fill, bold = a
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{weight} '
        f'fill="{fill}">{escape(text)}</text>'
    )


def png(chart: Chart, scale: int = 2) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (chart.width * scale, chart.height * scale), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict = {}

    def font(size):
        if size not in fonts:
            fonts[size] = ImageFont.load_default(size=size * scale)
        return fonts[size]

    s = scale
    for kind, *a in chart.shapes:
        if kind == "rect":
            x, y, w, h, fill = a
            if w > 0:
                draw.rectangle([x * s, y * s, (x + w) * s - 1, (y + h) * s - 1], fill=fill)
        elif kind == "line":
            x1, y1, x2, y2, stroke = a
            draw.line([x1 * s, y1 * s, x2 * s, y2 * s], fill=stroke, width=s)
        elif kind == "circle":
            cx, cy, r, fill = a
            draw.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=fill)
        else:
            x, y, text, anchor, size, fill, _bold = a
            pil_anchor = {"start": "ls", "middle": "ms", "end": "rs"}[anchor]
            draw.text((x * s, y * s), text, fill=fill, font=font(size), anchor=pil_anchor)
    stream = io.BytesIO()
    image.save(stream, format="PNG")
    return stream.getvalue()

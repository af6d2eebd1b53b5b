"""Charts drawn on the server: the results figures (SVG and PNG) and the fieldwork timeline."""

from .results import SORTS, all_charts, chart_by_name, png, svg
from .submissions import submissions_chart

__all__ = ["SORTS", "all_charts", "chart_by_name", "png", "submissions_chart", "svg"]

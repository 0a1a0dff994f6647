"""The reports' charts, drawn server-side as SVG with pygal (no chart script in the page).

A chart is served as its own SVG document (``/inbox/reports/chart/...``) and shown
with ``<img>``: pygal's inline styles then live in that document, under its own
narrow policy, and the page's CSP stays strict.
"""

from __future__ import annotations

import sys

import pygal
from pygal.style import Style

from hub.centre.reports.figures import SummaryPoint
from hub.web.i18n import gettext as _

# pygal appends a legacy import hook for its map plugins (unused here) that has no
# ``find_spec``: on Python 3.11 every failed import then warns (an error in our tests).
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2433",
    foreground_strong="#1d2433",
    foreground_subtle="#5d6678",
    colors=("#2457c5", "#18794e", "#c2410c", "#7c3aed"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    # pygal's 64 px "no data" line is wider than the chart in Swedish or French.
    no_data_font_size=28,
)
#: The SVG's own policy: its inline styles, nothing else (an <img> never runs its scripts).
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _labels(points: list[SummaryPoint]) -> list[str]:
    return [p.start[5:] if "T" not in p.start else p.start[11:16] for p in points]


def _chart(
    kind: type[pygal.graph.graph.Graph], title: str, points: list[SummaryPoint]
) -> pygal.Graph:
    many = len(points) > 16
    chart = kind(
        js=[], disable_xml_declaration=True, style=STYLE, width=900, height=340, title=title,
        show_minor_x_labels=not many, x_label_rotation=45 if many else 0, legend_at_bottom=True,
        print_values=False, no_data_text=_("No data in this period"),
    )  # fmt: skip
    chart.x_labels = _labels(points)
    if many:
        step = max(1, len(points) // 12)
        chart.x_labels_major = chart.x_labels[::step]
    return chart


def volume(points: list[SummaryPoint]) -> str:
    """Conversations opened, answered and resolved per bucket, as bars."""
    chart = _chart(pygal.Bar, _("Conversations"), points)
    top = max([0, *(max(p.opened, p.answered, p.resolved) for p in points)])
    step = max(1, -(-top // 8))  # whole conversations on the axis, at most ~8 lines
    chart.y_labels = list(range(0, top + step, step))
    chart.add(_("Opened"), [p.opened for p in points])
    chart.add(_("Answered"), [p.answered for p in points])
    chart.add(_("Resolved"), [p.resolved for p in points])
    return str(chart.render(is_unicode=True))


def first_response(points: list[SummaryPoint]) -> str:
    """The median first response per bucket, in minutes, as a line."""
    chart = _chart(pygal.Line, _("Median first response (minutes)"), points)
    values = [
        None if p.median_first_response_seconds is None
        else round(p.median_first_response_seconds / 60, 1)
        for p in points
    ]  # fmt: skip
    chart.add(_("Median first response"), values, allow_interruptions=True)
    return str(chart.render(is_unicode=True))


CHARTS = {"volume": volume, "first-response": first_response}

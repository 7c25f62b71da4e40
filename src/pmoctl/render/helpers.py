"""What templates call besides filters: HTML helpers and the diagrams of a page.

The helpers are Python, not Jinja macros, because a page calls them dozens of times.
They build their markup with f-strings around :func:`markupsafe.escape` (what
``Markup.format`` does, without its formatter machinery, which was a fifth of the time
of a service page): every value from the catalogue is escaped, only the fixed markup
around it is trusted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup, escape

from pmoctl.catalogue import lifecycle
from pmoctl.catalogue.models.common import Stage
from pmoctl.render import diagrams
from pmoctl.render.context import SiteContext
from pmoctl.render.directory import Party
from pmoctl.render.markup import MdSafe
from pmoctl.render.service import KpiView, ServiceView
from pmoctl.render.sparkline import sparkline

#: readings a trend chart shows, the latest last
TREND_POINTS = 12


def _stage_badge(stage: object) -> Markup:
    text = str(stage)
    return Markup(
        f'<span class="badge plain stage stage-{escape(text)}">{escape(text.capitalize())}</span>'
    )


def _rag_badge(rag: object, label: object) -> Markup:
    if rag:
        text = escape(label or str(rag).capitalize())
        return Markup(f'<span class="badge rag-{escape(rag)}">{text}</span>')
    return Markup(f'<span class="badge rag-none">{escape(label or "No reading")}</span>')


#: the badges pages show hundreds of times, made once
_STAGE_BADGES = {stage.value: _stage_badge(stage.value) for stage in Stage}
_RAG_BADGES = {rag: _rag_badge(rag, "") for rag in (None, "green", "amber", "red")}


def stage_badge(stage: object) -> Markup:
    """A lifecycle stage as a badge (``<span class="badge stage stage-running">``)."""
    made = _STAGE_BADGES.get(stage) if type(stage) is str else None
    return made if made is not None else _stage_badge(stage)


def rag_badge(rag: object, label: object = "") -> Markup:
    """Red/amber/green as a coloured badge with a text label (colour is never the only cue)."""
    if label == "" and (rag is None or type(rag) is str):
        made = _RAG_BADGES.get(rag)
        if made is not None:
            return made
    return _rag_badge(rag, label)


def party_html(party: Party | None) -> Markup:
    """A person (name, with role and PMO as a tooltip), a job role, or an unknown id."""
    if party is None:
        return Markup('<span class="muted">Not appointed</span>')
    if party.kind == "person":
        tip = party.role + (f", {party.pmo}" if party.pmo else "")
        return Markup(f'<span title="{escape(tip)}">{escape(party.name)}</span>')
    if party.kind == "role":
        return Markup(f'<span>{escape(party.name)}</span> <span class="muted small">(role)</span>')
    return Markup(f"<code>{escape(party.id)}</code>")


def service_link(service: Any, root: str = "") -> Markup:
    """A link to a service's page (a ServiceView or ServiceRef), relative to ``root``."""
    return Markup(f'<a href="{escape(root)}{escape(service.page)}">{escape(service.name)}</a>')


def bullets(items: Any, empty: str = "None") -> Markup:
    """A bulleted list of texts, or a muted ``empty`` when there are none."""
    if not items:
        return Markup(f'<span class="muted">{escape(empty)}</span>')
    return Markup("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")


#: helpers HTML templates call
def kpi_trend(view: KpiView) -> Markup:
    """A KPI's latest readings as a small inline SVG chart (nothing with fewer than two)."""
    values = [reading.value for reading in view.readings[-TREND_POINTS:]]
    return sparkline(values, f"Trend of {view.kpi.name}", rag=view.rag)


HTML_HELPERS = {
    "kpi_trend": kpi_trend,
    "stage_badge": stage_badge,
    "rag_badge": rag_badge,
    "party": party_html,
    "service_link": service_link,
    "bullets": bullets,
}


class Diagrams:
    """The diagrams a template can ask for: SVG in HTML, Mermaid text in Markdown."""

    def __init__(self, site: SiteContext, fmt: str) -> None:
        self.site = site
        self.svg = fmt == "html"
        self._lifecycles: dict[str | None, str] = {}
        # each service's edges, in the site's order: a page looks up its own, not all
        self._touching: dict[str, list[diagrams.Edge]] = defaultdict(list)
        for source, target, _ in site.edges:
            edge = diagrams.Edge(source, target)
            self._touching[source].append(edge)
            if target != source:
                self._touching[target].append(edge)

    def _nodes(self, views: list[ServiceView], root: str) -> list[diagrams.Node]:
        return [diagrams.Node(v.id, v.name, f"{root}{v.page}", v.stage) for v in views]

    def dependencies(self, root: str = "") -> str:
        views = [v for v in self.site.services if v.group != "retired" or v.used_by or v.depends_on]
        nodes = self._nodes(views, root)
        edges = [diagrams.Edge(a, b, ", ".join(via)) for a, b, via in self.site.edges]
        if self.svg:
            return diagrams.dependency_svg(nodes, edges, "How services feed each other")
        return MdSafe(diagrams.dependency_mermaid(nodes, edges))

    def neighbourhood(self, view: ServiceView, root: str = "") -> str:
        """The service with the services it depends on and those that depend on it."""
        if not view.depends_on and not view.used_by:
            return MdSafe("") if not self.svg else Markup("")
        near = [view] + [self.site.by_id[r.id] for r in (*view.depends_on, *view.used_by)]
        unique = list({v.id: v for v in near}.values())
        edges = self._touching.get(view.id, [])
        nodes = self._nodes(unique, root)
        if self.svg:
            return diagrams.dependency_svg(nodes, edges, f"Dependencies of {view.name}", "near")
        return MdSafe(diagrams.dependency_mermaid(nodes, edges))

    def sipoc(self, process: Any, index: int = 0) -> str:
        columns = (
            list(process.suppliers),
            [item.name for item in process.inputs],
            # "1. x" would be read as a Markdown list inside a Mermaid label
            [
                f"{n}. {step}" if self.svg else f"Step {n}: {step}"
                for n, step in enumerate(process.steps, start=1)
            ],
            [item.name for item in process.outputs],
            list(process.customers),
        )
        if self.svg:
            return diagrams.sipoc_svg(columns, f"SIPOC of {process.name}", f"sipoc{index}")
        return MdSafe(diagrams.sipoc_mermaid(columns))

    def lifecycle(self, stage: str | None = None) -> str:
        if not self.svg:
            return MdSafe(lifecycle.mermaid())
        if stage not in self._lifecycles:  # seven drawings serve every page
            self._lifecycles[stage] = diagrams.lifecycle_svg(
                Stage(stage) if stage else None, f"lifecycle-{stage or 'all'}"
            )
        return self._lifecycles[stage]

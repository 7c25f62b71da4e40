"""Diagrams without a network: inline SVG for HTML pages, Mermaid text for Markdown files.

Three diagrams: the service dependency graph (a layered left-to-right layout), the SIPOC
flow of one process (five columns), and the lifecycle state diagram (from
:data:`pmoctl.catalogue.lifecycle.MOVES`). Layouts are pure functions of their input, sorted by id,
so the same catalogue always draws byte-identical SVG. Every piece of text is
XML-escaped here, because the SVG is inserted into pages as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape

from markupsafe import Markup

from pmoctl.catalogue.lifecycle import MOVES
from pmoctl.catalogue.models.common import Stage
from pmoctl.render.markup import safe_url

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 46, 52, 16, 12
CHAR_W = 7.0  # a generous average width of a 13px sans-serif character, for wrapping labels
LINE_H = 16  # the distance between the lines of a wrapped label
MAX_LINES = 4  # a label longer than this many lines ends in "…" (its tooltip has it all)


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    href: str | None = None
    #: a CSS class suffix (e.g. the stage) so that the stylesheet can colour the box
    kind: str = ""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


_XML_SPECIAL = re.compile(r"[&<>\"']")


def _text(value: str) -> str:
    # most labels have nothing to escape: one search instead of five replacements
    return escape(value, quote=True) if _XML_SPECIAL.search(value) else value


def wrap(label: str, width: float, indent: int = 0) -> tuple[str, ...]:
    """``label`` in lines that fit ``width`` (at most MAX_LINES; the last ends in "…" when
    the label is longer). Lines break between words; a word longer than a line is split.
    Continuation lines are ``indent`` characters narrower (they are drawn indented)."""
    room = max(4, int(width / CHAR_W))
    if len(label) <= room:
        return (label,)
    lines: list[str] = []
    line = ""
    for word in label.split():
        rest = word
        while True:
            limit = room - (indent if lines else 0)
            joined = f"{line} {rest}" if line else rest
            if len(joined) <= limit:
                line = joined
                break
            if line:
                lines.append(line)
                line = ""
            else:  # no space to break at: split the word
                lines.append(rest[:limit])
                rest = rest[limit:]
    lines.append(line)
    if len(lines) > MAX_LINES:
        last = lines[MAX_LINES - 1]
        limit = room - (indent if MAX_LINES > 1 else 0)
        lines = [*lines[: MAX_LINES - 1], last[: limit - 1].rstrip() + "…"]
    return tuple(lines)


def _lines(lines: Sequence[str], x: float, y: float, indent: float = 0) -> str:
    """The text of a label: one line as is, several as tspans ``LINE_H`` apart."""
    if len(lines) == 1:
        return _text(lines[0])
    return "".join(
        f'<tspan x="{x + (indent if number else 0):.1f}" y="{y + number * LINE_H:.1f}">'
        f"{_text(line)}</tspan>"
        for number, line in enumerate(lines)
    )


def _svg(width: float, height: float, title: str, body: list[str], prefix: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
        f'aria-labelledby="{prefix}-title" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}">'
        f'<title id="{prefix}-title">{_text(title)}</title>'
        f'<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>'
    )
    return Markup(head + "".join(body) + "</svg>")


def layers(nodes: Sequence[Node], edges: Sequence[Edge]) -> list[list[Node]]:
    """Longest-path layering (back edges of cycles ignored), ordered by predecessors."""
    ids = sorted(node.id for node in nodes)
    by_id = {node.id: node for node in nodes}
    successors: dict[str, list[str]] = {ident: [] for ident in ids}
    for edge in edges:
        if edge.source in by_id and edge.target in by_id and edge.source != edge.target:
            successors[edge.source].append(edge.target)
    for targets in successors.values():
        targets.sort()
    # depth-first order marks the edges that close a cycle; they do not push layers down
    state: dict[str, int] = {}
    order: list[str] = []
    forward: dict[str, list[str]] = {ident: [] for ident in ids}
    for start in ids:
        if start in state:
            continue
        stack = [(start, iter(successors[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(child) == 1:
                continue  # back edge
            else:
                forward[node].append(child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(successors[child])))
    depth = dict.fromkeys(ids, 0)
    for node in reversed(order):  # reverse post-order is a topological order of forward edges
        for child in forward[node]:
            depth[child] = max(depth[child], depth[node] + 1)
    result: list[list[Node]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    predecessors: dict[str, list[str]] = {ident: [] for ident in ids}
    for parent, successors_of_parent in forward.items():
        for child in successors_of_parent:
            predecessors[child].append(parent)
    position: dict[str, float] = {}
    for ident in sorted(ids, key=lambda i: (depth[i], i)):
        result[depth[ident]].append(by_id[ident])
    for row in result:
        row.sort(
            key=lambda n: (
                sum(position.get(p, 0) for p in predecessors[n.id])
                / max(1, len(predecessors[n.id])),
                n.id,
            )
        )
        for index, member in enumerate(row):
            position[member.id] = index
    return result


def dependency_svg(
    nodes: Sequence[Node], edges: Sequence[Edge], title: str, prefix: str = "deps"
) -> Markup:
    """The services as boxes in layers, left to right, an arrow from supplier to consumer."""
    if not nodes:
        return Markup("")
    columns = layers(nodes, edges)
    labels = {node.id: wrap(node.label, BOX_W - 16) for node in nodes}
    # every box is as tall as the longest label needs, so that the layers stay aligned
    box_h = BOX_H + (max(len(lines) for lines in labels.values()) - 1) * LINE_H
    tallest = max(len(column) for column in columns)
    width = PAD * 2 + len(columns) * BOX_W + (len(columns) - 1) * GAP_X
    height = PAD * 2 + tallest * box_h + (tallest - 1) * GAP_Y
    place: dict[str, tuple[float, float]] = {}
    for col, column in enumerate(columns):
        offset = (tallest - len(column)) * (box_h + GAP_Y) / 2
        for row, node in enumerate(column):
            place[node.id] = (PAD + col * (BOX_W + GAP_X), PAD + offset + row * (box_h + GAP_Y))
    body: list[str] = []
    seen: set[tuple[str, str]] = set()
    for edge in sorted(edges, key=lambda e: (e.source, e.target, e.label)):
        key = (edge.source, edge.target)
        if (
            key in seen
            or edge.source not in place
            or edge.target not in place
            or edge.source == edge.target
        ):
            continue
        seen.add(key)
        (x1, y1), (x2, y2) = place[edge.source], place[edge.target]
        body.append(
            _curve((x1 + BOX_W, y1 + box_h / 2), (x2, y2 + box_h / 2), prefix, edge.label, box_h)
        )
    for node in sorted(nodes, key=lambda n: n.id):
        x, y = place[node.id]
        body.append(_box(node, x, y, BOX_W, box_h, lines=labels[node.id]))
    return _svg(width, height, title, body, prefix)


def _curve(
    start: tuple[float, float], end: tuple[float, float], prefix: str, label: str, drop: float
) -> str:
    (x1, y1), (x2, y2) = start, end
    if x2 <= x1:  # a back edge: loop round underneath
        bend = max(y1, y2) + drop
        d = (
            f"M{x1:.1f},{y1:.1f} C{x1 + 60:.1f},{bend:.1f} "
            f"{x2 - 60:.1f},{bend:.1f} {x2:.1f},{y2:.1f}"
        )
    else:
        mid = (x1 + x2) / 2
        d = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    tip = f"<title>{_text(label)}</title>" if label else ""
    return f'<path class="edge" d="{d}" marker-end="url(#{prefix}-arrow)">{tip}</path>'


def _box(
    node: Node, x: float, y: float, w: float, h: float, *, lines: Sequence[str] | None = None
) -> str:
    lines = lines or wrap(node.label, w - 16)
    kind = f" node-{_text(node.kind)}" if node.kind else ""
    middle, first = x + w / 2, y + h / 2 + 4.5 - (len(lines) - 1) * LINE_H / 2
    shape = (
        f'<g class="node{kind}"><title>{_text(node.label)}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.0f}" height="{h:.0f}" rx="8"/>'
        f'<text x="{middle:.1f}" y="{first:.1f}" text-anchor="middle">'
        f"{_lines(lines, middle, first)}</text></g>"
    )
    if node.href:
        return f'<a href="{_text(safe_url(node.href))}">{shape}</a>'
    return shape


SIPOC_HEADINGS = ("Suppliers", "Inputs", "Process", "Outputs", "Customers")
SIPOC_COL_W, SIPOC_LINE_H, SIPOC_HEAD_H, SIPOC_GAP = 176, 22, 30, 34


@cache
def _sipoc_frame(content: int, prefix: str) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
    """Width, height, the five column heads and the four arrows of a SIPOC whose tallest
    column of items is ``content`` high.

    They depend only on that height, so a thousand service pages share a few.
    """
    width = PAD * 2 + 5 * SIPOC_COL_W + 4 * SIPOC_GAP
    height = PAD * 2 + SIPOC_HEAD_H + content + 14
    heads, arrows = [], []
    for index, heading in enumerate(SIPOC_HEADINGS):
        x = PAD + index * (SIPOC_COL_W + SIPOC_GAP)
        heads.append(
            f'<g class="sipoc-col sipoc-{heading.lower()}">'
            f'<rect x="{x}" y="{PAD}" width="{SIPOC_COL_W}" height="{height - 2 * PAD}" rx="8"/>'
            f'<text class="heading" x="{x + SIPOC_COL_W / 2:.1f}" y="{PAD + 20}" '
            f'text-anchor="middle">{heading}</text>'
        )
        if index < len(SIPOC_HEADINGS) - 1:
            mid_y = PAD + (height - 2 * PAD) / 2
            arrows.append(
                f'<path class="edge" d="M{x + SIPOC_COL_W + 4},{mid_y:.1f} '
                f'L{x + SIPOC_COL_W + 30},{mid_y:.1f}" '
                f'marker-end="url(#{prefix}-arrow)"/>'
            )
    return width, height, tuple(heads), tuple(arrows)


@cache
def _sipoc_line(index: int, top: int) -> str:
    """The opening of the text of an item ``top`` below the first one in column ``index``."""
    x = PAD + index * (SIPOC_COL_W + SIPOC_GAP)
    return f'<text x="{x + 10}" y="{PAD + SIPOC_HEAD_H + top + 16}"><title>'


#: a numbered step ("2. "): its continuation lines are indented past the number
_STEP_NUMBER = re.compile(r"\d+\. ")


def _sipoc_items(items: Sequence[str]) -> list[tuple[str, tuple[str, ...], int]]:
    """Each item, its lines and the indent of its continuation lines (in characters)."""
    wrapped = []
    for item in items:
        number = _STEP_NUMBER.match(item)
        indent = number.end() if number else 0
        wrapped.append((item, wrap(item, SIPOC_COL_W - 20, indent), indent))
    return wrapped


def sipoc_svg(columns: Sequence[Sequence[str]], title: str, prefix: str) -> Markup:
    """Five columns of items (suppliers, inputs, numbered steps, outputs, customers); a
    long item is wrapped onto several lines."""
    if len(columns) != len(SIPOC_HEADINGS):
        raise ValueError(f"a SIPOC has {len(SIPOC_HEADINGS)} columns, not {len(columns)}")
    wrapped = [_sipoc_items(items) for items in columns]
    content = max(
        sum(SIPOC_LINE_H + (len(lines) - 1) * LINE_H for _, lines, _ in items) for items in wrapped
    )
    width, height, heads, arrows = _sipoc_frame(content, prefix)
    body: list[str] = []
    for index, items in enumerate(wrapped):
        body.append(heads[index])
        x = PAD + index * (SIPOC_COL_W + SIPOC_GAP) + 10
        top = 0
        for item, lines, indent in items:
            y = PAD + SIPOC_HEAD_H + top + 16
            body.append(
                f"{_sipoc_line(index, top)}{_text(item)}</title>"
                f"{_lines(lines, x, y, indent * CHAR_W)}</text>"
            )
            top += SIPOC_LINE_H + (len(lines) - 1) * LINE_H
        body.append("</g>")
        if index < len(arrows):
            body.append(arrows[index])
    return _svg(width, height, title, body, prefix)


def lifecycle_svg(current: Stage | None = None, prefix: str = "lifecycle") -> Markup:
    """The stages in a row; next-stage moves straight, other moves as arcs (back ones above)."""
    stages = list(Stage)
    w, h, gap = 118, 40, 34
    top = 120.0
    width = PAD * 2 + len(stages) * w + (len(stages) - 1) * gap
    height = top + h + 120
    x_of = {stage: PAD + index * (w + gap) for index, stage in enumerate(stages)}
    body: list[str] = []
    for spec in MOVES:
        a, b = stages.index(spec.source), stages.index(spec.target)
        who = "PMO Director" if spec.approver == "pmo-director" else "Service Owner"
        label = f"{spec.source.value} → {spec.target.value}: {spec.summary} (approved by {who})"
        cls = "edge move-" + ("forward" if b > a else "back")
        if b == a + 1:
            x1, x2, y = x_of[spec.source] + w, x_of[spec.target], top + h / 2
            d = f"M{x1},{y:.1f} L{x2},{y:.1f}"
        else:
            span = abs(b - a)
            above = b < a
            y = top if above else top + h
            bend = y - 24 - span * 12 if above else y + 24 + span * 10
            left = x_of[spec.source] + w / 2 + (8 if above else -8)
            right = x_of[spec.target] + w / 2 + (-8 if above else 8)
            d = f"M{left:.1f},{y} C{left:.1f},{bend:.1f} {right:.1f},{bend:.1f} {right:.1f},{y}"
        body.append(
            f'<path class="{cls}" d="{d}" marker-end="url(#{prefix}-arrow)">'
            f"<title>{_text(label)}</title></path>"
        )
    for stage in stages:
        node = Node(
            stage.value,
            stage.value.capitalize(),
            kind=f"{stage.value}{' current' if stage is current else ''}",
        )
        body.append(_box(node, x_of[stage], top, w, h))
    body.append(
        f'<text class="legend" x="{PAD}" y="{height - 10}">Arrows above: back to an earlier stage. '
        "Arrows below: abandon or close. Hover an arrow for who approves it.</text>"
    )
    return _svg(width, height, "Lifecycle of a service: stages and allowed moves", body, prefix)


# --- Mermaid, for Markdown files (GitHub and GitLab draw it) ---


def _mermaid_id(ident: str) -> str:
    return "s_" + ident.replace("-", "_")


def mermaid_label(value: str) -> str:
    """Text for a quoted Mermaid label: quotes, angle brackets and friends as entity codes."""
    codes = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "#": "#35;", "`": "#96;"}
    one_line = " ".join(value.split())
    return "".join(codes.get(ch, ch) for ch in one_line)


def dependency_mermaid(nodes: Sequence[Node], edges: Sequence[Edge]) -> str:
    lines = ["flowchart LR"]
    for node in sorted(nodes, key=lambda n: n.id):
        lines.append(f'    {_mermaid_id(node.id)}["{mermaid_label(node.label)}"]')
    seen: set[tuple[str, str]] = set()
    known = {node.id for node in nodes}
    for edge in sorted(edges, key=lambda e: (e.source, e.target)):
        if (
            (edge.source, edge.target) in seen
            or edge.source not in known
            or edge.target not in known
        ):
            continue
        seen.add((edge.source, edge.target))
        lines.append(f"    {_mermaid_id(edge.source)} --> {_mermaid_id(edge.target)}")
    return "\n".join(lines) + "\n"


def sipoc_mermaid(columns: Sequence[Sequence[str]]) -> str:
    lines = ["flowchart LR"]
    names = []
    for heading, items in zip(SIPOC_HEADINGS, columns, strict=True):
        name = heading.lower()
        names.append(name)
        lines.append(f'    subgraph {name}["{heading}"]')
        lines.append("    direction TB")
        for index, item in enumerate(items):
            lines.append(f'        {name}{index}["{mermaid_label(item)}"]')
        lines.append("    end")
    lines.append("    " + " --> ".join(names))
    return "\n".join(lines) + "\n"

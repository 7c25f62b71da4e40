"""SIPOC across services: inputs taken from other services' outputs, and the graph they form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.models import Stage
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import closest, finding, service_known, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Service

#: (consuming service's path, where the source is written, source service id, output name)
Source = tuple[str, DocPath, str, str]


def sources(service: Service, path: str) -> Iterator[Source]:
    """Every input of ``service`` that names another service's output."""
    for p_index, process in enumerate(service.processes):
        for i_index, item in enumerate(process.inputs):
            if item.source is not None:
                where: DocPath = ("processes", p_index, "inputs", i_index, "source")
                yield path, where, item.source.service, item.source.output


def output_names(service: Service) -> set[str]:
    return {output.name for process in service.processes for output in process.outputs}


def _sipoc_source(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        for _, where, source_id, output in sources(service, path):
            source = catalogue.services.get(source_id)
            if source is None:
                if not service_known(catalogue, source_id):
                    yield finding(
                        path,
                        (*where, "service"),
                        "SIPOC-SOURCE",
                        f"input source names service {source_id!r}, which does not exist",
                        closest(source_id, catalogue.service_ids, "services"),
                    )
                continue
            names = output_names(source)
            if output not in names:
                yield finding(
                    path,
                    (*where, "output"),
                    "SIPOC-SOURCE",
                    f"service {source_id!r} has no process output {output!r}",
                    closest(output, names, f"outputs of {source_id}"),
                )


def _sipoc_closed_source(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        if service.lifecycle.stage in (Stage.CLOSED, Stage.REJECTED):
            continue
        for _, where, source_id, _output in sources(service, path):
            source = catalogue.services.get(source_id)
            if source is None or source.id == service.id:
                continue
            retired = _RETIRED.get(source.lifecycle.stage)
            if retired is not None:
                severity, hint = retired
                yield finding(
                    path,
                    (*where, "service"),
                    "SIPOC-CLOSED-SOURCE",
                    f"this input comes from {source_id!r}, which is "
                    + source.lifecycle.stage.value,
                    hint,
                    severity=severity,
                )


#: stage of a source service -> (severity, hint) of the finding on its consumers
_RETIRED: dict[Stage, tuple[Severity | None, str]] = {
    Stage.CLOSED: (None, "find another source for the input, or close or redesign this process"),
    Stage.REJECTED: (None, "the proposal was rejected: find another source for the input"),
    Stage.CLOSING: (Severity.WARNING, "plan another source for the input before it closes"),
}


def _dependency_cycle(catalogue: Catalogue) -> Iterator[Pending]:
    # edges: consumer -> the services whose outputs it takes, with where each is written
    edges: dict[str, dict[str, tuple[str, DocPath]]] = {}
    for path, service in services(catalogue):
        targets = edges.setdefault(service.id, {})
        for _, where, source_id, _output in sources(service, path):
            if source_id != service.id and source_id in catalogue.services:
                targets.setdefault(source_id, (path, (*where, "service")))
    for component in _cycles(edges):
        start = min(component)
        cycle = _cycle_through(start, component, edges)
        path, where = edges[start][cycle[1]]
        yield finding(
            path,
            where,
            "DEPENDENCY-CYCLE",
            "services depend on each other's outputs in a cycle: " + " -> ".join(cycle),
            "none of them can be set up or closed on its own; break the cycle, or waive this "
            "finding if the loop is intended (e.g. a feedback report)",
        )


def _cycles(edges: dict[str, dict[str, tuple[str, DocPath]]]) -> list[set[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges.get(root, {}))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges.get(successor, {})))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _cycle_through(
    start: str, component: set[str], edges: dict[str, dict[str, tuple[str, DocPath]]]
) -> list[str]:
    """A shortest cycle from ``start`` back to itself inside ``component`` (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(edges.get(node, {})):
                if successor not in component:
                    continue
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    return [start, start]  # pragma: no cover - a component always has a cycle through start


RULES = [
    Rule(
        "SIPOC-SOURCE",
        Severity.ERROR,
        "A SIPOC input names a service or output that does not exist",
        "An input of a process may come from another service: `source: {service, output}` "
        "names the service and one of the outputs of its processes. The named service must "
        "exist and have a process output of exactly that name, so that the dependency graph "
        "and the rendered diagrams are right. The hint gives the closest service id or output "
        "name.",
        _sipoc_source,
        # the source services are named, so the guard loads them
        partial=Partial.YES,
    ),
    Rule(
        "SIPOC-CLOSED-SOURCE",
        Severity.ERROR,
        "A SIPOC input comes from a closed or closing service",
        "When a service closes, the services that take its outputs lose an input. An input "
        "whose source service is closed (or a rejected proposal) is an error; one whose source "
        "is closing is a warning, so that the consumers can plan another source before the "
        "closure. Closed and rejected consumers are not checked.",
        _sipoc_closed_source,
        # the source services are named, so the guard loads them
        partial=Partial.YES,
    ),
    Rule(
        "DEPENDENCY-CYCLE",
        Severity.WARNING,
        "Services depend on each other's outputs in a cycle",
        "The inputs that name another service's outputs form a graph of services. A cycle "
        "(A takes an output of B, and B, directly or through others, one of A) means none of "
        "them can be set up first or closed without affecting the others. Each cycle is "
        "reported once, at the service with the smallest id, listing the services in order. "
        "Feedback loops can be intended: waive the finding with the reason.",
        _dependency_cycle,
        # a cycle runs through services the moved one does not name
        partial=Partial.NO,
    ),
]

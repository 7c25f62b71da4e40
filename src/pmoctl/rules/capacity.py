"""Resources: committed capacity per PMO, and who the work is outsourced to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.capacity import loads
from pmoctl.catalogue.lifecycle import COMMITTED
from pmoctl.catalogue.models import Stage
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


def _capacity_fte(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.organisation is None:
        return
    every = [service for _, service in services(catalogue)]
    for index, load in enumerate(loads(catalogue.organisation, every)):
        if not load.over:
            continue
        largest = ", ".join(f"{ident} ({fte:g})" for ident, fte in load.commitments[:5])
        waived = (
            f"; set up over capacity by the PMO Director's waiver: {', '.join(load.waived)}"
            if load.waived
            else ""
        )
        yield finding(
            catalogue.path_of("organisation"),
            ("pmos", index, "capacity_fte"),
            "CAPACITY-FTE",
            f"services commit {load.total:g} FTE of PMO {load.pmo!r}, which has "
            f"{load.capacity:g}{waived}",
            f"largest commitments: {largest}; close or reduce a service, or raise capacity_fte",
            # the PMO Director decided to go over: reported, not an error
            severity=Severity.WARNING if load.waived else None,
        )


def _sourcing_supplier(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        sourcing = service.delivery.sourcing
        where = ("delivery", "sourcing")
        if sourcing.model == "internal":
            if sourcing.supplier is not None:
                yield finding(
                    path,
                    (*where, "supplier"),
                    "SOURCING-SUPPLIER",
                    "an internal service must not name a supplier",
                    "remove supplier:, or set model: partly-outsourced or outsourced",
                    at_key=True,
                )
            continue
        if sourcing.supplier is None:
            yield finding(
                path,
                (*where, "model"),
                "SOURCING-SUPPLIER",
                f"a {sourcing.model} service must name its supplier",
                "add delivery.sourcing.supplier: who the work is outsourced to",
            )
        if sourcing.model == "partly-outsourced" and sourcing.outsourced_part is None:
            yield finding(
                path,
                (*where, "model"),
                "SOURCING-SUPPLIER",
                "a partly-outsourced service must say which part is outsourced",
                "add delivery.sourcing.outsourced_part",
            )


def _listed(stages: tuple[Stage, ...]) -> str:
    """``a, b and c``: stages in the prose of an explanation."""
    return ", ".join(stages[:-1]) + " and " + stages[-1] if len(stages) > 1 else "".join(stages)


RULES = [
    Rule(
        "CAPACITY-FTE",
        Severity.ERROR,
        "Services commit more capacity than a PMO has",
        "Each service states the capacity it needs from each PMO (`needs.capacity`, in "
        "full-time equivalents). For every PMO, the needs of the services that have been "
        f"decided and are not closed ({_listed(COMMITTED)}; not {Stage.PROPOSED}) must fit "
        "in the PMO's `capacity_fte` in organisation.yaml. A new service is "
        "not decided in isolation: with limited capacity, starting one may mean closing "
        "another: a set-up decision that names a service it `closes` hands that service's "
        "capacity over to the new one once it is closing. When the PMO Director set a service "
        "up over capacity with a waiver (`capacity_waived` on the move), the finding is a "
        "warning. The finding is reported at the PMO's capacity.",
        _capacity_fte,
        # it adds up the needs of every service
        partial=Partial.NO,
    ),
    Rule(
        "SOURCING-SUPPLIER",
        Severity.ERROR,
        "Outsourcing does not match the supplier given",
        "A service delivered `outsourced` or `partly-outsourced` names the supplier it is "
        "outsourced to, and a partly outsourced one also says which part (`outsourced_part`). "
        "An `internal` service has no supplier: a supplier there means the sourcing model is "
        "wrong or the supplier is stale.",
        _sourcing_supplier,
        partial=Partial.YES,
    ),
]

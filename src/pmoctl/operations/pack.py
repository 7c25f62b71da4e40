"""`pmoctl report`: the monthly pack for the PMO Director and the board, as data.

One :class:`Pack` per period (a calendar month): a scorecard per PMO and per service
owner (the red/amber/green roll-up of the running services' KPIs and their trends), what
changed in the month (lifecycle moves and new services from one ``git log`` of the
services folder; change requests approved in the month from the service files), the
pipeline, capacity against commitments, and what is due. The writers (HTML, Markdown,
the workbook, PDF) are in :mod:`pmoctl.render.pack`; nothing here writes a file.

The pack is *as of* the day after the month ends (or today, for the current month):
readings dated later, and commits made later, are left out, so that the pack of a past
month is the same whenever it is made.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl import gitrepo
from pmoctl.catalogue.lifecycle import COMMITTED
from pmoctl.catalogue.models.common import Stage
from pmoctl.errors import RepoStateError, UserError
from pmoctl.operations.due import due_items
from pmoctl.operations.kpis import kpi_row

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Service

_PERIOD = re.compile(r"(\d{4})-(\d{2})")
#: how far ahead the pack's "due" list looks from its day
DUE_WINDOW_DAYS = 30
RAG_ORDER = ("red", "amber", "green")


@dataclass(frozen=True)
class Month:
    """A calendar month, the period of a pack or of a recharge statement."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.start.month:02d}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def parse_month(text: str, today: dt.date) -> Month:
    """``YYYY-MM`` as a month that has begun by ``today`` (UserError otherwise)."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
        raise UserError(
            f"--period {text!r} is not a month",
            hint="write it as YYYY-MM, e.g. 2026-11",
        )
    year, month = int(match[1]), int(match[2])
    start = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    if start > today:
        raise UserError(
            f"--period {text} has not begun (today is {today.isoformat()})",
            hint="name this month or an earlier one; PMOCTL_TODAY=YYYY-MM-DD sets the day",
        )
    return Month(start, following - dt.timedelta(days=1))


@dataclass
class Scorecard:
    """The running services of one PMO or one owner, and how their KPIs stand."""

    key: str
    name: str
    services: list[str] = field(default_factory=list)
    kpis: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0
    #: KPIs without a reading to judge (none yet, or no target and no thresholds)
    unrated: int = 0
    overdue: int = 0
    improving: int = 0
    worsening: int = 0

    @property
    def rag(self) -> str | None:
        """The worst status of its KPIs (None when none is rated)."""
        for status in RAG_ORDER:
            if getattr(self, status):
                return status
        return None

    @property
    def trend(self) -> str:
        """More KPIs improving than worsening, fewer, or as many (direction-aware)."""
        if self.improving == self.worsening:
            return "steady"
        return "improving" if self.improving > self.worsening else "worsening"

    def add(self, row: dict[str, Any]) -> None:
        self.kpis += 1
        status = row["rag"]
        if status in RAG_ORDER:
            setattr(self, status, getattr(self, status) + 1)
        else:
            self.unrated += 1
        self.overdue += bool(row["overdue"])
        better = "up" if row["direction"] == "higher-is-better" else "down"
        if row["trend"] == better:
            self.improving += 1
        elif row["trend"] in ("up", "down"):
            self.worsening += 1


@dataclass(frozen=True)
class Change:
    """One thing that changed in the month."""

    #: "new" (file first committed), "move" (a lifecycle move), "change-request" (approved)
    kind: str
    service: str
    date: str
    what: str
    #: who approved it (a person id), or who committed it
    by: str
    commit: str = ""


@dataclass(frozen=True)
class CapacityLine:
    pmo: str
    name: str
    capacity_fte: float
    #: what services in the committed stages need (decided and not closed)
    committed_fte: float
    #: what proposed services would need on top, if they were accepted
    proposed_fte: float
    services: tuple[str, ...]

    @property
    def free_fte(self) -> float:
        return round(self.capacity_fte - self.committed_fte, 6)

    @property
    def utilisation(self) -> float | None:
        return self.committed_fte / self.capacity_fte if self.capacity_fte else None


@dataclass
class Pack:
    month: Month
    as_of: dt.date
    organisation: str
    catalogue: Catalogue
    by_pmo: list[Scorecard]
    by_owner: list[Scorecard]
    kpis: list[dict[str, Any]]
    changes: list[Change]
    #: False outside a git repository: then only approved change requests are listed
    history: bool
    pipeline: dict[str, list[str]]
    capacity: list[CapacityLine]
    due: list[dict[str, Any]]

    @property
    def title(self) -> str:
        return f"PMO report {self.month.label}"


def as_of(month: Month, today: dt.date) -> dt.date:
    """The day the pack speaks for: the day after the month, or today within it."""
    return min(today, month.end + dt.timedelta(days=1))


def _readings_until(service: Service, last: dt.date) -> Service:
    """The service as it stood on ``last``: readings dated later are left out."""
    if all(reading.date <= last for kpi in service.kpis for reading in kpi.readings):
        return service
    kpis = [
        kpi.model_copy(update={"readings": [r for r in kpi.readings if r.date <= last]})
        for kpi in service.kpis
    ]
    return service.model_copy(update={"kpis": kpis})


def _people(catalogue: Catalogue) -> dict[str, str]:
    organisation = catalogue.organisation
    return {person.id: person.name for person in organisation.people} if organisation else {}


def scorecards(
    catalogue: Catalogue, day: dt.date
) -> tuple[list[Scorecard], list[Scorecard], list[dict[str, Any]]]:
    """Per PMO and per owner, over the running services as of ``day``; and the KPI rows."""
    organisation = catalogue.organisation
    pmo_names = {pmo.id: pmo.name for pmo in organisation.pmos} if organisation else {}
    people = _people(catalogue)
    by_pmo: dict[str, Scorecard] = {
        ident: Scorecard(ident, name) for ident, name in pmo_names.items()
    }
    by_owner: dict[str, Scorecard] = {}
    rows: list[dict[str, Any]] = []
    last = day - dt.timedelta(days=1)
    for ident in sorted(catalogue.services):
        service = catalogue.services[ident]
        if service.lifecycle.stage is not Stage.RUNNING:
            continue
        service = _readings_until(service, last)
        owner = service.roles.owner or ""
        cards = [by_pmo.setdefault(pmo, Scorecard(pmo, pmo)) for pmo in service.delivery.pmos]
        cards.append(by_owner.setdefault(owner, Scorecard(owner, people.get(owner, owner))))
        for card in cards:
            card.services.append(ident)
        for kpi in service.kpis:
            row = kpi_row(service, kpi, day)
            rows.append(row)
            for card in cards:
                card.add(row)
    owners = sorted(by_owner.values(), key=lambda card: (card.name.casefold(), card.key))
    return list(by_pmo.values()), owners, rows


def git_changes(root: Path, month: Month) -> tuple[list[Change], bool]:
    """New services and lifecycle moves committed in ``month``: one ``git log`` of the
    services folder, reading only the month's commits.

    A service is new in the month its file was added (git's status ``A``); a move is a
    commit that carries its ``Service-Transition`` trailer. Both are dated by the commit
    (when the change entered the catalogue's history). ``False`` outside a git repository.
    """
    try:
        repo = gitrepo.discover(root)
    except RepoStateError:
        return [], False
    if repo is None:
        return [], False
    prefix = repo.rel(root)  # the catalogue's own folder: resolving services/ follows links
    folder = "services" if prefix == "." else f"{prefix}/services"
    since = f"{month.start.isoformat()} 00:00:00 +0000"
    until = f"{month.end.isoformat()} 23:59:59 +0000"
    changes: list[Change] = []
    for entry in gitrepo.log_between(repo, [folder], since, until):
        day = _utc_day(entry.date)
        if day not in month:
            continue
        for status, path in entry.changes:
            name = Path(path)
            if status == "A" and name.suffix == ".yaml" and name.parent.as_posix() == folder:
                changes.append(
                    Change("new", name.stem, str(day), "added to the catalogue", entry.author,
                           entry.commit)
                )  # fmt: skip
        trailers = gitrepo.parse_trailers(entry.message)
        if trailers is None:
            continue
        approver = trailers.approver_id or trailers.approved_by or entry.author
        for move in trailers.moves:
            changes.append(
                Change("move", move.service, str(day), f"{move.source} -> {move.target}",
                       approver, entry.commit)
            )  # fmt: skip
    return changes, True


def _utc_day(stamp: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).date()
    except ValueError:
        return None


def approved_requests(catalogue: Catalogue, month: Month) -> list[Change]:
    """Change requests approved or implemented, dated in ``month`` (the services' records)."""
    changes = []
    for ident in sorted(catalogue.services):
        for request in catalogue.services[ident].change_requests:
            if request.status in ("approved", "implemented") and request.date in month:
                changes.append(
                    Change("change-request", ident, request.date.isoformat(),
                           f"{request.id}: {request.title} ({request.status})",
                           request.approved_by or "")
                )  # fmt: skip
    return changes


def pipeline(catalogue: Catalogue) -> dict[str, list[str]]:
    """Every stage, in lifecycle order, with its services."""
    stages: dict[str, list[str]] = {stage.value: [] for stage in Stage}
    for ident in sorted(catalogue.services):
        stages[catalogue.services[ident].lifecycle.stage.value].append(ident)
    return stages


def capacity(catalogue: Catalogue) -> list[CapacityLine]:
    """Each PMO's capacity against what its committed (and proposed) services need."""
    committed: dict[str, float] = defaultdict(float)
    proposed: dict[str, float] = defaultdict(float)
    names: dict[str, list[str]] = defaultdict(list)
    for ident in sorted(catalogue.services):
        service = catalogue.services[ident]
        stage = service.lifecycle.stage
        for need in service.needs.capacity:
            if stage in COMMITTED:
                committed[need.pmo] += need.fte
                names[need.pmo].append(ident)
            elif stage is Stage.PROPOSED:
                proposed[need.pmo] += need.fte
    if catalogue.organisation is None:
        return []
    return [
        CapacityLine(
            pmo.id,
            pmo.name,
            pmo.capacity_fte,
            round(committed[pmo.id], 6),
            round(proposed[pmo.id], 6),
            tuple(names[pmo.id]),
        )  # fmt: skip
        for pmo in catalogue.organisation.pmos
    ]


def build_pack(root: Path, catalogue: Catalogue, month: Month, today: dt.date) -> Pack:
    """The pack of ``month`` for the catalogue at ``root`` (read from its files and git)."""
    day = as_of(month, today)
    by_pmo, by_owner, rows = scorecards(catalogue, day)
    changes, in_git = git_changes(root, month)
    changes += approved_requests(catalogue, month)
    changes.sort(key=lambda change: (change.date, change.service, change.kind, change.what))
    organisation = catalogue.organisation.name if catalogue.organisation else ""
    return Pack(
        month=month,
        as_of=day,
        organisation=organisation,
        catalogue=catalogue,
        by_pmo=by_pmo,
        by_owner=by_owner,
        kpis=rows,
        changes=changes,
        history=in_git,
        pipeline=pipeline(catalogue),
        capacity=capacity(catalogue),
        due=due_items(catalogue, day, DUE_WINDOW_DAYS),
    )


def pack_summary(pack: Pack) -> dict[str, Any]:
    """The pack as plain data (for JSON, and for the tests)."""

    def card(item: Scorecard) -> dict[str, Any]:
        return {
            "id": item.key, "name": item.name, "services": item.services, "kpis": item.kpis,
            "rag": item.rag, "red": item.red, "amber": item.amber, "green": item.green,
            "unrated": item.unrated, "overdue": item.overdue, "trend": item.trend,
        }  # fmt: skip

    return {
        "period": pack.month.label,
        "as_of": pack.as_of.isoformat(),
        "by_pmo": [card(item) for item in pack.by_pmo],
        "by_owner": [card(item) for item in pack.by_owner],
        "changes": [vars(change) for change in pack.changes],
        "pipeline": pack.pipeline,
        "capacity": [
            {
                "pmo": line.pmo,
                "capacity_fte": line.capacity_fte,
                "committed_fte": line.committed_fte,
                "proposed_fte": line.proposed_fte,
                "free_fte": line.free_fte,
            }
            for line in pack.capacity
        ],  # fmt: skip
        "due": pack.due,
    }

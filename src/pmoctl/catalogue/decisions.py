"""Who decides what: the decisions the guidance gives to a role, other than stage moves, as data.

Stage moves are declared in :mod:`.lifecycle` (``MOVES``). Every other decision that changes
the catalogue is declared here once: who may take it, where it is recorded in the files, the
command that records it as one commit, and the rules that check the record. The command's
refusal, the rule's finding, ``pmoctl check``'s finding and the "who decides what" table in
docs/lifecycle.md (``lifecycle.who_decides_table``) all read these declarations. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pmoctl.catalogue.models.common import JobRole

if TYPE_CHECKING:
    from pmoctl.catalogue.models.organisation import Person
    from pmoctl.catalogue.models.service import Service

#: the roles a decision can be given to: a job role in the organisation, or a role in the
#: service the decision is about
DecidedBy = Literal["pmo-director", "pmo-manager", "service-owner", "service-manager"]

ROLE_NAMES: dict[DecidedBy, str] = {
    "pmo-director": "PMO Director",
    "pmo-manager": "PMO Manager",
    "service-owner": "Service Owner",
    "service-manager": "Service Manager",
}


@dataclass(frozen=True)
class DecisionSpec:
    id: str
    #: the decision, in the words of the guidance
    what: str
    #: any one of these may take it
    decided_by: tuple[DecidedBy, ...]
    #: where the record is kept in the service file
    recorded_in: str
    #: the command that records it as one commit
    command: str
    #: the rules (validation and pull-request check) that judge the record
    checked_by: tuple[str, ...]
    #: who must agree besides, in the organisation the decision concerns (a manager's
    #: appointment: the PMO Manager of the PMO they are appointed for), named in the record
    agreed_with: DecidedBy | None = None


DECISIONS: tuple[DecisionSpec, ...] = (
    DecisionSpec(
        "appoint-owner",
        "appoint the Service Owner",
        ("pmo-director",),
        "`roles.owner`, with its history in `roles.appointments`",
        "pmoctl appoint SERVICE --owner PERSON",
        ("APPOINTMENTS", "CHECK-APPOINTMENT"),
    ),
    DecisionSpec(
        "appoint-manager",
        "choose the delivering PMO and appoint its Service Manager",
        ("pmo-director",),
        "`roles.managers`, with its history in `roles.appointments`",
        "pmoctl appoint SERVICE --manager PERSON --pmo PMO --agreed-with PERSON",
        ("APPOINTMENTS", "CHECK-APPOINTMENT"),
        agreed_with="pmo-manager",
    ),
    DecisionSpec(
        "appoint-operative",
        "appoint a Service Operative",
        ("service-owner", "service-manager"),
        "`roles.operatives`, with its history in `roles.appointments`",
        "pmoctl appoint SERVICE --operative PERSON",
        ("APPOINTMENTS", "CHECK-APPOINTMENT"),
    ),
    DecisionSpec(
        "decide-change",
        "agree (or reject) a change request or an improvement",
        ("service-owner",),
        "`change_requests[]`: `status`, `decided_by`, `decided`, `decision_note`",
        "pmoctl change approve (or reject) SERVICE CHANGE",
        ("CHANGE-REQUESTS", "CHECK-CHANGE"),
    ),
    DecisionSpec(
        "implement-change",
        "record an agreed change as made in the catalogue",
        ("service-owner", "service-manager"),
        "`change_requests[]`: `status: implemented`, `implemented_by`, `implemented`",
        "pmoctl change implement SERVICE CHANGE",
        ("CHANGE-REQUESTS", "CHECK-CHANGE"),
    ),
    DecisionSpec(
        "record-reading",
        "report a KPI reading",
        ("service-manager",),
        "`kpis[].readings`",
        "pmoctl kpi record SERVICE KPI VALUE",
        ("KPI-REPORTER", "KPI-READING-DUE"),
    ),
    DecisionSpec(
        "record-review",
        "hold a service review",
        ("service-owner", "service-manager"),
        "`reviews`",
        "pmoctl review SERVICE",
        ("REVIEW-DUE",),
    ),
)

_BY_ID = {spec.id: spec for spec in DECISIONS}

#: The parts of a service file that running the service writes, as document paths (``*``:
#: every item of a list), each with why it is not part of the definition. Everything else
#: in the file is the service's definition: a pull request that changes the definition of a
#: running service must mark an approved change request implemented (``CHECK-CHANGE``).
RUNNING_RECORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("kpis", "*", "readings"), "KPI readings, reported by the Service Manager"),
    (("risks",), "risks, managed and escalated while it runs"),
    (("issues",), "issues, managed and escalated while it runs"),
    (("change_requests",), "the change requests themselves"),
    (("reviews",), "service reviews"),
    (("roles",), "the Service Owner, Managers and Operatives: appointments, decided on their own"),
    (("lifecycle",), "the stage and its moves, made by pmoctl transition"),
)


def definition(data: Mapping[str, Any]) -> dict[str, Any]:
    """A service file's data without its :data:`RUNNING_RECORDS`: what a change request changes."""
    result = dict(data)
    for path, _ in RUNNING_RECORDS:
        result = _without(result, path)
    return result


def _without(data: Any, path: tuple[str, ...]) -> Any:
    head, rest = path[0], path[1:]
    if head == "*":
        return [_without(item, rest) for item in data] if isinstance(data, list) else data
    if not isinstance(data, Mapping) or head not in data:
        return data
    trimmed = dict(data)
    if rest:
        trimmed[head] = _without(trimmed[head], rest)
    else:
        del trimmed[head]
    return trimmed


def running_records_list() -> str:
    """The running records as a Markdown list (docs/lifecycle.md, "changes to a running
    service")."""
    return "".join(
        f"- `{'.'.join(path).replace('.*', '[]')}`: {why}\n" for path, why in RUNNING_RECORDS
    )


def decision(ident: str) -> DecisionSpec:
    return _BY_ID[ident]


def holds(role: DecidedBy, person: Person, service: Service | None) -> bool:
    """Whether ``person`` holds ``role`` (a service role is read from ``service``)."""
    if role == "pmo-director":
        return person.role is JobRole.PMO_DIRECTOR
    if role == "pmo-manager":
        return person.role is JobRole.PMO_MANAGER
    if service is None:
        return False
    if role == "service-owner":
        return service.roles.owner == person.id
    return any(manager.person == person.id for manager in service.roles.managers)


def who(roles: tuple[DecidedBy, ...]) -> str:
    """``PMO Director``, ``Service Owner or Service Manager``."""
    return " or ".join(ROLE_NAMES[role] for role in roles)


def taken_by(spec: DecisionSpec) -> str:
    """``PMO Director, with the PMO Manager of that PMO``: who takes it, and who agrees."""
    agreed = f", with the {ROLE_NAMES[spec.agreed_with]} of that PMO" if spec.agreed_with else ""
    return who(spec.decided_by) + agreed


def approver_problem(spec: DecisionSpec, person: Person, service: Service | None) -> str | None:
    """Why ``person`` may not take the decision, or None if they may."""
    if any(holds(role, person, service) for role in spec.decided_by):
        return None
    return f"to {spec.what} is for the {who(spec.decided_by)}; {person.id} is not"

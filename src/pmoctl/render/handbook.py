"""What the Operations Handbook shows: RACI matrices and each person's RACI overview.

Part of the template context (see :mod:`pmoctl.render.context`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pmoctl.catalogue.models import Procedure
from pmoctl.render.directory import Directory, Party, ServiceRef, role_label
from pmoctl.render.service import ServiceView, ref


@dataclass(frozen=True)
class RaciRow:
    activity_id: str
    name: str
    description: str
    tools: tuple[str, ...]
    cells: tuple[str, ...]  # one per party, "" when not involved


@dataclass(frozen=True)
class ProcedureView:
    id: str
    model: Procedure
    parties: tuple[Party, ...]
    rows: tuple[RaciRow, ...]
    services: tuple[ServiceRef, ...]
    tools: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    procedure: str
    procedure_name: str
    activity: str
    activity_name: str
    letters: str
    via: str  # "" when named directly, else the job role it comes from


@dataclass(frozen=True)
class PersonRaci:
    person: Party
    accountable: tuple[Assignment, ...]
    responsible: tuple[Assignment, ...]
    consulted: tuple[Assignment, ...]
    informed: tuple[Assignment, ...]
    owns: tuple[ServiceRef, ...]
    manages: tuple[ServiceRef, ...]
    operates: tuple[ServiceRef, ...]


def procedure_view(
    procedure: Procedure, views: Mapping[str, ServiceView], names: Directory
) -> ProcedureView:
    order: list[str] = []
    for activity in procedure.activities:
        order.extend(party for party in activity.raci if party not in order)
    rows = tuple(
        RaciRow(
            a.id,
            a.name,
            a.description or "",
            tuple(a.tools),
            tuple(a.raci.get(p, "") for p in order),
        )
        for a in procedure.activities
    )
    tools = tuple(
        dict.fromkeys(tool for activity in procedure.activities for tool in activity.tools)
    )
    services = tuple(ref(views[s]) for s in procedure.services if s in views)
    return ProcedureView(
        procedure.id, procedure, tuple(names.party(p) for p in order), rows, services, tools
    )


def person_raci(
    procedures: Sequence[ProcedureView], views: Mapping[str, ServiceView], names: Directory
) -> list[PersonRaci]:
    """For every person: what they are accountable, responsible, consulted and informed for.

    One pass over the activities and one over the services, indexed by party, so that the
    overview stays linear in the size of the catalogue.
    """
    by_party: dict[str, list[tuple[int, str, Assignment]]] = defaultdict(list)
    order = 0
    for view in procedures:
        for activity in view.model.activities:
            for party, letters in activity.raci.items():
                for letter in dict.fromkeys(letters):
                    item = Assignment(
                        view.id, view.model.name, activity.id, activity.name, letters, ""
                    )
                    order += 1
                    by_party[party].append((order, letter, item))
    roles: dict[str, dict[str, list[ServiceRef]]] = defaultdict(lambda: defaultdict(list))
    for service in sorted(views.values(), key=lambda v: v.id):
        held = service.model.roles
        if held.owner:
            roles[held.owner]["owns"].append(ref(service))
        for manager in dict.fromkeys(m.person for m in held.managers):
            roles[manager]["manages"].append(ref(service))
        for operative in dict.fromkeys(held.operatives):
            roles[operative]["operates"].append(ref(service))
    # what a job role is assigned reaches everyone in it: made once per role, not per person
    via_roles: dict[str, list[tuple[int, str, Assignment]]] = {}
    overview = []
    for person in sorted(names.people.values(), key=lambda p: (p.name, p.id)):
        found: dict[str, list[Assignment]] = {"A": [], "R": [], "C": [], "I": []}
        role = person.role.value
        direct = by_party.get(person.id, [])
        via_role = via_roles.get(role)
        if via_role is None:
            label = role_label(role)
            via_role = via_roles[role] = [
                (seq, letter, replace(item, via=label))
                for seq, letter, item in by_party.get(role, [])
            ]
        for _, letter, item in sorted([*direct, *via_role], key=lambda entry: entry[0]):
            found[letter].append(item)
        held_roles = roles.get(person.id, {})
        overview.append(
            PersonRaci(
                names.party(person.id),
                tuple(found["A"]),
                tuple(found["R"]),
                tuple(found["C"]),
                tuple(found["I"]),
                tuple(held_roles.get("owns", [])),
                tuple(held_roles.get("manages", [])),
                tuple(held_roles.get("operates", [])),
            )
        )
    return overview

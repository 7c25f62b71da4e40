"""Names for ids in rendered pages: people, job roles, PMOs, customer and stakeholder groups.

The smallest pieces of the template context (see :mod:`pmoctl.render.context`): a
:class:`Party` is what a page shows for a person id, a job role or an id nobody defined,
and a :class:`ServiceRef` is a link to another service's page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmoctl.catalogue.files import Catalogue
from pmoctl.catalogue.models.common import JobRole


def role_label(value: str) -> str:
    """``pmo-analyst`` -> ``PMO Analyst``."""
    return " ".join("PMO" if word == "pmo" else word.capitalize() for word in value.split("-"))


@dataclass(frozen=True)
class Party:
    """A person, a job role, or an id nobody defined (shown as such)."""

    id: str
    name: str
    kind: str  # "person" | "role" | "unknown"
    role: str = ""
    pmo: str = ""
    email: str = ""


@dataclass(frozen=True)
class ServiceRef:
    id: str
    name: str
    page: str
    stage: str
    #: the outputs that flow along this dependency
    via: tuple[str, ...] = ()


class Directory:
    """Names for ids: people, job roles, PMOs, customer and stakeholder groups."""

    def __init__(self, catalogue: Catalogue) -> None:
        organisation = catalogue.organisation
        self.people = {p.id: p for p in organisation.people} if organisation else {}
        self.pmos = {p.id: p for p in organisation.pmos} if organisation else {}
        self.groups = {g.id: g for g in organisation.groups} if organisation else {}
        self.roles = {role.value for role in JobRole}
        # a Party is frozen: one per id serves every page that names it
        self._parties: dict[str, Party] = {}

    def party(self, ident: str) -> Party:
        known = self._parties.get(ident)
        if known is None:
            known = self._parties[ident] = self._make_party(ident)
        return known

    def _make_party(self, ident: str) -> Party:
        person = self.people.get(ident)
        if person is not None:
            pmo = self.pmos[person.pmo].name if person.pmo in self.pmos else ""
            return Party(
                ident, person.name, "person", role_label(person.role.value), pmo, person.email or ""
            )
        if ident in self.roles:
            return Party(ident, role_label(ident), "role")
        return Party(ident, ident, "unknown")

    def pmo_name(self, ident: str) -> str:
        return self.pmos[ident].name if ident in self.pmos else ident

    def group_name(self, ident: str) -> str:
        return self.groups[ident].name if ident in self.groups else ident

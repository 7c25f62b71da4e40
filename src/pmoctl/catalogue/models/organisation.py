"""organisation.yaml: the PMOs, the people, customer and stakeholder groups, the glossary."""

from enum import StrEnum
from typing import Literal

from pydantic import Field

from pmoctl.catalogue.models.common import (
    Email,
    FormatVersion,
    Fte,
    Id,
    JobRole,
    Model,
    ShortText,
    Text,
)


class PmoKind(StrEnum):
    CORPORATE = "corporate"
    PORTFOLIO = "portfolio"
    PROGRAMME = "programme"
    PROJECT = "project"
    CENTRE_OF_EXCELLENCE = "centre-of-excellence"
    SERVICE_MANAGEMENT_OFFICE = "service-management-office"


class Pmo(Model):
    id: Id
    name: ShortText
    kind: PmoKind
    structure: Literal["centralised", "decentralised"]
    capacity_fte: Fte = Field(description="Capacity of the PMO in full-time equivalents.")
    parent: Id | None = Field(default=None, description="The PMO this one reports to.")
    description: Text | None = None


class GitIdentity(Model):
    name: ShortText
    email: Email


class Person(Model):
    id: Id
    name: ShortText
    role: JobRole
    pmo: Id | None = Field(default=None, description="The PMO the person works in, if any.")
    email: Email | None = None
    git: GitIdentity | None = Field(
        default=None, description="The git identity used for commits and approvals."
    )
    handle: str | None = Field(
        default=None,
        pattern=r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?$",
        description="Code-hosting handle (@user or @org/team), used by `pmoctl codeowners`.",
    )


class Group(Model):
    id: Id
    name: ShortText
    kind: Literal["customer", "stakeholder", "both"]
    description: Text | None = None


class GlossaryTerm(Model):
    term: ShortText
    definition: Text
    aliases: list[ShortText] = []


class Organisation(Model):
    format: FormatVersion
    kind: Literal["organisation"]
    name: ShortText
    pmos: list[Pmo] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)
    groups: list[Group] = []
    glossary: list[GlossaryTerm] = []

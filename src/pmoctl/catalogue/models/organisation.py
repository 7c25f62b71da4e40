"""organisation.yaml: the PMOs, the people, customer and stakeholder groups, the glossary."""

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field

from pmoctl.catalogue.models.common import (
    FORMAT_HELP,
    KIND_HELP,
    Email,
    FormatVersion,
    Fte,
    Id,
    JobRole,
    Model,
    ShortText,
    SshKey,
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
    id: Id = Field(description="The PMO's id, used in services and by people.")
    name: ShortText = Field(description="The PMO's name.")
    kind: PmoKind = Field(description="What sort of office it is.")
    structure: Literal["centralised", "decentralised"] = Field(
        description=(
            "Whether its people report to it (centralised) or to the departments they serve "
            "(decentralised)."
        )
    )
    capacity_fte: Fte = Field(
        description=(
            "What the PMO can commit to its services, in full-time equivalents; the services' "
            "`needs.capacity` must fit in it."
        )
    )
    parent: Id | None = Field(default=None, description="The PMO this one reports to.")
    description: Text | None = Field(default=None, description="What the PMO is for.")


class GitIdentity(Model):
    name: ShortText = Field(description="`user.name` in git.")
    email: Email = Field(description="`user.email` in git.")


class SigningKey(Model):
    """A public key the person signs decisions with, and when it was valid."""

    key: SshKey = Field(
        description=(
            "The SSH public key, as one line of the `.pub` file (`ssh-ed25519 AAAA... comment`)."
        )
    )
    since: dt.date = Field(description="The first day decisions signed with it are accepted.")
    until: dt.date | None = Field(
        default=None,
        description=(
            "The day the key was retired (from that day on it signs nothing); none while it "
            "is in use. Keep retired keys: they verify the decisions signed before."
        ),
    )
    approved_by: Id = Field(
        description=(
            "Who approved registering (or retiring) the key (person id): a PMO Director, as "
            "for every change of who may sign."
        )
    )


class Person(Model):
    id: Id = Field(description="The person's id, used everywhere else in the catalogue.")
    name: ShortText = Field(description="Full name.")
    role: JobRole = Field(
        description=(
            "Job role; decides which service roles and lifecycle approvals the person may hold."
        )
    )
    pmo: Id | None = Field(
        default=None, description="The PMO the person works in; none for people outside the PMOs."
    )
    email: Email | None = Field(default=None, description="E-mail address.")
    git: GitIdentity | None = Field(
        default=None,
        description=(
            "The git identity of the person's commits, so that commits and approvals can be tied "
            "to them."
        ),
    )
    handle: str | None = Field(
        default=None,
        pattern=r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?$",
        description=(
            "Handle on the code-hosting site (`@user` or `@org/team`), used by `pmoctl "
            "codeowners`. Quote it: `@` starts no plain YAML value."
        ),
    )
    keys: list[SigningKey] = Field(
        default=[],
        description=(
            "The SSH keys the person signs approvals with (`pmoctl approve`), old ones "
            "included: `pmoctl signers` makes git's allowed-signers file from them, and "
            "`pmoctl check` and `pmoctl verify` accept a signature made with a key registered "
            "for the approver on the decision's date."
        ),
    )


class Group(Model):
    id: Id = Field(description="The group's id.")
    name: ShortText = Field(description="The group's name.")
    kind: Literal["customer", "stakeholder", "both"] = Field(
        description="Whether services may list it as customer, stakeholder or both."
    )
    description: Text | None = Field(default=None, description="Who is in the group.")


class GlossaryTerm(Model):
    term: ShortText = Field(description="The term.")
    definition: Text = Field(description="What it means here.")
    aliases: list[ShortText] = Field(default=[], description="Other words for the same thing.")


class Organisation(Model):
    format: FormatVersion = Field(description=FORMAT_HELP)
    kind: Literal["organisation"] = Field(description=KIND_HELP)
    name: ShortText = Field(description="The organisation's name.")
    pmos: list[Pmo] = Field(
        min_length=1,
        description="The PMOs (and SMOs, Centres of Excellence ...) that deliver services.",
    )
    people: list[Person] = Field(
        min_length=1,
        description=(
            "Everyone named anywhere in the catalogue: owners, managers, operatives, approvers, "
            "RACI parties."
        ),
    )
    groups: list[Group] = Field(
        default=[], description="Customer and stakeholder groups, named by services."
    )
    glossary: list[GlossaryTerm] = Field(
        default=[], description="The shared vocabulary of the PMOs and SMOs."
    )

"""Shared building blocks of the catalogue format (version 1)."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# the stages are declared without pydantic, for the command line's choices
from pmoctl.catalogue.vocabulary import Stage as Stage  # noqa: PLC0414 - re-exported

FORMAT_VERSION = 1

#: Every id in a catalogue: ASCII lower case, digits and inner hyphens, 1 to 64 characters.
#: Ids become file names and git pathspecs, so nothing else is allowed (no '*', '/', '..').
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", max_length=254)
]
# no backslash before the quote: JSON Schema patterns are ECMA-262 regexes (editors,
# check-jsonschema), where that escape is invalid
Url = Annotated[str, StringConstraints(pattern=r"^(https?://|mailto:)[^\s<>]+$", max_length=2000)]
Fte = Annotated[float, Field(ge=0, le=10_000)]
FormatVersion = Literal[1]

#: the meaning of the two keys every document kind starts with
FORMAT_HELP = "The catalogue format version of this file. Always `1` in this version."
KIND_HELP = "What the file is; must match its place in the catalogue."


class Model(BaseModel):
    """Base of every catalogue model: unknown keys are errors, inputs never echoed."""

    model_config = ConfigDict(
        extra="forbid",
        hide_input_in_errors=True,
        frozen=True,
        populate_by_name=True,
        str_strip_whitespace=False,
    )


class JobRole(StrEnum):
    """A person's job role in the organisation."""

    PMO_DIRECTOR = "pmo-director"
    PMO_MANAGER = "pmo-manager"
    PMO_ANALYST = "pmo-analyst"
    PMO_ADMINISTRATOR = "pmo-administrator"
    PMO_SPECIALIST = "pmo-specialist"
    EXECUTIVE = "executive"
    PROJECT_MANAGER = "project-manager"
    EXTERNAL = "external"


class ClosureReason(StrEnum):
    """Why a service is closed (the brief's list)."""

    END_DATE_REACHED = "end-date-reached"
    OBJECTIVE_ACHIEVED = "objective-achieved"
    RESOURCES_NEEDED_ELSEWHERE = "resources-needed-elsewhere"
    REQUESTED_BY_STAKEHOLDERS = "requested-by-stakeholders"
    REQUESTED_BY_OWNER = "requested-by-owner"
    NOT_MOST_EFFECTIVE_PROVIDER = "not-most-effective-provider"
    SERVICE_LEVEL_UNACHIEVABLE = "service-level-unachievable"
    SUPERSEDED = "superseded"
    PMO_CHANGE_OF_FOCUS = "pmo-change-of-focus"

"""Shared building blocks of the catalogue format (version 1)."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StringConstraints

# the stages are declared without pydantic, for the command line's choices
from pmoctl.catalogue.vocabulary import ChangeKind as ChangeKind  # noqa: PLC0414 - re-exported
from pmoctl.catalogue.vocabulary import ChangeReason as ChangeReason  # noqa: PLC0414
from pmoctl.catalogue.vocabulary import ChangeStatus as ChangeStatus  # noqa: PLC0414
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
Fte = Annotated[StrictFloat, Field(ge=0, le=10_000)]
FormatVersion = Literal[1]

#: An OpenSSH public key as one line of ``~/.ssh/id_*.pub``: its type, its base64 blob and an
#: optional comment (printable ASCII, dropped when the allowed-signers file is written).
SSH_KEY_PATTERN = (
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com"
    r"|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]{16,8192}={0,3}( [!-~][ -~]{0,99})?$"
)
#: The signature of a decision: the body of ``ssh-keygen -Y sign``'s armoured output (an
#: SSHSIG blob in base64, which always starts ``U1NIU0lH``, "SSHSIG") on one line.
SIGNATURE_PATTERN = r"^U1NIU0lH[A-Za-z0-9+/]{8,16384}={0,3}$"
SshKey = Annotated[str, StringConstraints(pattern=SSH_KEY_PATTERN)]
Signature = Annotated[str, StringConstraints(pattern=SIGNATURE_PATTERN)]

#: A calendar date as the editor checks it (beside ``format: date``): the day must exist in
#: its month, except that 29 February is accepted in every year. pmoctl parses the date
#: itself, so it is the stricter side in that one case.
DATE_PATTERN = (
    r"^[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-9]))$"
)

#: Every pattern of the format -> (what a matching value is, the form it takes). The JSON
#: Schemas turn it into the editor's message (``patternErrorMessage``) and pmoctl into its
#: finding, so neither shows a raw regular expression. Exporting a schema with a pattern
#: missing here fails (pmoctl.catalogue.editor_schema).
#: a calendar month, ``YYYY-MM``
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PATTERN_HELP: dict[str, tuple[str, str]] = {
    ID_PATTERN: (
        "a valid id",
        "lower-case letters, digits and inner hyphens, 1 to 64 characters, e.g. weekly-report",
    ),
    r"^(R|A|C|I|AR|RA)$": ("a RACI code", "R, A, C, I or AR"),
    r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$": (
        "an e-mail address",
        "name@example.org, without spaces or angle brackets",
    ),
    r"^(https?://|mailto:)[^\s<>]+$": (
        "a link",
        "an address starting with https://, http:// or mailto:, without spaces",
    ),
    r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?$": (
        "a handle",
        "@user or @org/team, in quotes",
    ),
    r"^[A-Z]{3}$": ("a currency code", "three capital letters (ISO 4217), e.g. GBP"),
    MONTH_PATTERN: ("a month", "YYYY-MM, e.g. 2026-11"),
    r"^[A-Z][A-Z0-9-]{1,40}$": (
        "a rule id",
        "capital letters, digits and hyphens, e.g. KPI-THRESHOLDS (`pmoctl rules` lists them)",
    ),
    r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$": (
        "a folder inside the catalogue",
        "a relative path of letters, digits, '.', '_', '-' and '/'",
    ),
    r"^[a-z0-9-]{1,64}$": (
        "a code",
        "lower-case letters, digits and hyphens, e.g. objective-achieved",
    ),
    SSH_KEY_PATTERN: (
        "an SSH public key",
        "one line of an OpenSSH .pub file, e.g. ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... you@host",
    ),
    SIGNATURE_PATTERN: (
        "a decision signature",
        "the base64 text `pmoctl approve` writes (U1NIU0lH...), on one line",
    ),
    DATE_PATTERN: ("a calendar date", "YYYY-MM-DD, a day that exists, e.g. 2024-03-31"),
}

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


#: How often a running service is reviewed (``reviews.cadence`` in pmoctl.yaml,
#: ``review_cadence`` on a service); the months each one stands for are in
#: :mod:`pmoctl.catalogue.reviews`.
ReviewCadence = Literal["monthly", "quarterly", "half-yearly", "annually"]


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


class RejectionReason(StrEnum):
    """Why the PMO Director decided not to set a requested service up."""

    NOT_IN_STRATEGY = "not-in-strategy"
    LOW_PRIORITY = "low-priority"
    NO_CAPACITY = "no-capacity"
    NO_FUNDING = "no-funding"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"

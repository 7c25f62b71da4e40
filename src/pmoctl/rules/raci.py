"""RACI of handbook activities: one Accountable, at least one Responsible, real parties."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.models import JobRole
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import closest, finding, people, procedures

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue

JOB_ROLES = frozenset(role.value for role in JobRole)


def _raci_accountable(catalogue: Catalogue) -> Iterator[Pending]:
    for path, procedure in procedures(catalogue):
        for index, activity in enumerate(procedure.activities):
            accountable = [party for party, letters in activity.raci.items() if "A" in letters]
            where = ("activities", index, "raci")
            if not accountable:
                yield finding(
                    path,
                    where,
                    "RACI-ACCOUNTABLE",
                    f"activity {activity.id!r} has no Accountable party",
                    "mark exactly one party A (or AR if it also does the work)",
                    at_key=True,
                )
            for extra in accountable[1:]:
                yield finding(
                    path,
                    (*where, extra),
                    "RACI-ACCOUNTABLE",
                    f"activity {activity.id!r} has more than one Accountable party: "
                    + ", ".join(accountable),
                    f"keep A on one party ({accountable[0]}); make the others R, C or I",
                    at_key=True,
                )


def _raci_responsible(catalogue: Catalogue) -> Iterator[Pending]:
    for path, procedure in procedures(catalogue):
        for index, activity in enumerate(procedure.activities):
            if not any("R" in letters for letters in activity.raci.values()):
                yield finding(
                    path,
                    ("activities", index, "raci"),
                    "RACI-RESPONSIBLE",
                    f"activity {activity.id!r} has no Responsible party",
                    "mark at least one party R (or AR for the accountable party doing the work)",
                    at_key=True,
                )


def _raci_party(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    if known is None:
        return
    parties = JOB_ROLES | set(known)
    for path, procedure in procedures(catalogue):
        for index, activity in enumerate(procedure.activities):
            for party in activity.raci:
                if party not in parties:
                    yield finding(
                        path,
                        ("activities", index, "raci", party),
                        "RACI-PARTY",
                        f"RACI party {party!r} is neither a person nor a job role",
                        _party_hint(party, parties),
                        at_key=True,
                    )


def _party_hint(party: str, parties: Collection[str]) -> str:
    hint = closest(party, parties)
    if hint.startswith("did you mean"):
        return hint
    return "use a person id from organisation.yaml or a job role: " + ", ".join(sorted(JOB_ROLES))


RULES = [
    Rule(
        "RACI-ACCOUNTABLE",
        Severity.ERROR,
        "An activity does not have exactly one Accountable party",
        "Each activity of a handbook procedure has a RACI: who is Responsible (does the work), "
        "Accountable (answers for it), Consulted and Informed. Exactly one party is "
        "Accountable: with none, nobody answers for the activity; with two, each can assume the "
        "other does. Write `A`, or `AR` for a party that is accountable and does the work.",
        _raci_accountable,
        partial=Partial.YES,
    ),
    Rule(
        "RACI-RESPONSIBLE",
        Severity.ERROR,
        "An activity has no Responsible party",
        "At least one party of every activity is Responsible (R or AR): someone must do the "
        "work. An activity with only Accountable, Consulted and Informed parties is never "
        "carried out.",
        _raci_responsible,
        partial=Partial.YES,
    ),
    Rule(
        "RACI-PARTY",
        Severity.ERROR,
        "A RACI party is neither a person nor a job role",
        "The keys of an activity's `raci:` are people (ids from organisation.yaml) or job "
        "roles (pmo-director, pmo-manager, pmo-analyst, pmo-administrator, pmo-specialist, "
        "executive, project-manager, external). Anything else names nobody; the hint gives the "
        "closest match. Not checked while organisation.yaml is missing or broken.",
        _raci_party,
        partial=Partial.YES,
    ),
]

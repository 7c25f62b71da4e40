"""The signing keys of the people registry: approved by a PMO Director, a sound period, one
person per key (a key two people share cannot tell who signed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.models import JobRole
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, people

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


def _key_approver(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    if known is None or catalogue.organisation is None:
        return
    path = catalogue.path_of("organisation")
    for index, person in enumerate(catalogue.organisation.people):
        for number, entry in enumerate(person.keys):
            approver = known.get(entry.approved_by)
            if approver is None or approver.role is JobRole.PMO_DIRECTOR:
                continue  # an unknown person is REF-PERSON
            yield finding(
                path, ("people", index, "keys", number, "approved_by"), "KEY-APPROVER",
                f"the key of {person.id} is approved by {approver.id} "
                f"({approver.role.value}), not by a PMO Director",
                "who may sign decisions is a decision of the PMO Director: name one",
            )  # fmt: skip


def _key_period(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.organisation is None:
        return
    path = catalogue.path_of("organisation")
    for index, person in enumerate(catalogue.organisation.people):
        for number, entry in enumerate(person.keys):
            at = ("people", index, "keys", number)
            if entry.until is not None and entry.until <= entry.since:
                yield finding(
                    path, (*at, "until"), "KEY-PERIOD",
                    f"a key of {person.id} is retired ({entry.until.isoformat()}) no later "
                    f"than it was registered ({entry.since.isoformat()})",
                    "`until` is the day the key was retired, after `since`",
                )  # fmt: skip


def _key_shared(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.organisation is None:
        return
    path = catalogue.path_of("organisation")
    seen: dict[str, str] = {}
    for index, person in enumerate(catalogue.organisation.people):
        for number, entry in enumerate(person.keys):
            blob = entry.key.split(" ")[1]
            other = seen.setdefault(blob, person.id)
            if other != person.id:
                yield finding(
                    path, ("people", index, "keys", number, "key"), "KEY-SHARED",
                    f"the key of {person.id} is also registered for {other}",
                    "each person signs with their own key: a shared key cannot tell who "
                    "approved a decision",
                )  # fmt: skip


RULES = [
    Rule(
        "KEY-APPROVER",
        Severity.ERROR,
        "A signing key was registered without a PMO Director's approval",
        "A key under `people[].keys` lets its holder sign decisions (`pmoctl approve`), so "
        "registering or retiring one is itself a decision of the PMO Director, named in the "
        "key's `approved_by`.",
        check=_key_approver,
        partial=Partial.NO,
    ),
    Rule(
        "KEY-PERIOD",
        Severity.ERROR,
        "A signing key is retired before it was registered",
        "A key is valid from `since` until the day before `until` (the day it was retired), "
        "so `until` comes after `since`.",
        check=_key_period,
        partial=Partial.NO,
    ),
    Rule(
        "KEY-SHARED",
        Severity.ERROR,
        "Two people register the same signing key",
        "A key belongs to one person: a signature made with a shared key cannot tell who "
        "approved the decision. Each person registers a key of their own.",
        check=_key_shared,
        partial=Partial.NO,
    ),
]

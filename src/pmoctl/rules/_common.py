"""Helpers shared by the cross-document rules: where documents are, and "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from pmoctl.findings import DocPath, Pending, Severity

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Person, Procedure, Service

#: how many known ids a hint lists when none is close
_LISTED = 8


def closest(value: str, known: Collection[str], what: str = "", otherwise: str = "") -> str:
    """A hint naming the closest known value, or else a few known ones and ``otherwise``."""
    return _closest(value, frozenset(known), what, otherwise)


@lru_cache(maxsize=1024)
def _closest(value: str, known: frozenset[str], what: str, otherwise: str) -> str:
    # a file may name the same unknown id thousands of times: the answer is computed once
    match = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    if match:
        return f"did you mean {match[0]!r}?"
    if not known:
        listing = f"there are no {what}" if what else ""
    else:
        listed = sorted(known)
        shown = ", ".join(listed[:_LISTED]) + (", ..." if len(listed) > _LISTED else "")
        listing = f"known {what}: {shown}" if what else f"known: {shown}"
    return "; ".join(part for part in (listing, otherwise) if part)


def rule_hint(value: str, known: Collection[str]) -> str:
    """What an unknown rule id was probably meant to be, and where to look them up.

    A family name (``RACI``, ``ref``) lists the family's rules, in ``known``'s order;
    otherwise the closest id is suggested, if one is close.
    """
    wanted = value.strip().upper().replace("_", "-").rstrip("-")
    family = [rule for rule in known if rule.startswith(wanted + "-")] if wanted else []
    if family:
        shown = ", ".join(family[:_LISTED]) + (", ..." if len(family) > _LISTED else "")
        return f"the {wanted} rules are {shown} (`pmoctl rules` lists them)"
    match = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.6)
    if match:
        return f"did you mean {match[0]!r}? (`pmoctl rules` lists them)"
    return "`pmoctl rules` lists the rules"


def services(catalogue: Catalogue) -> Iterator[tuple[str, Service]]:
    """Every loaded service with its file's path."""
    paths = catalogue.paths  # every rule walks every service: keep this loop lean
    for ident, service in catalogue.services.items():
        yield paths.get(("service", ident)) or f"services/{ident}.yaml", service


def procedures(catalogue: Catalogue) -> Iterator[tuple[str, Procedure]]:
    paths = catalogue.paths
    for ident, procedure in catalogue.procedures.items():
        yield paths.get(("procedure", ident)) or f"procedures/{ident}.yaml", procedure


def people(catalogue: Catalogue) -> dict[str, Person] | None:
    """People by id, or None when organisation.yaml is missing or broken (skip the check)."""
    if catalogue.organisation is None:
        return None
    return {person.id: person for person in catalogue.organisation.people}


def pmo_ids(catalogue: Catalogue) -> set[str] | None:
    if catalogue.organisation is None:
        return None
    return {pmo.id for pmo in catalogue.organisation.pmos}


def service_known(catalogue: Catalogue, ident: str) -> bool:
    """True when a service file of that id exists, loaded or broken (no cascade)."""
    return ident in catalogue.services or ident in catalogue.service_ids


def any_broken(catalogue: Catalogue, folder: str) -> bool:
    return any(path.startswith(folder + "/") for path in catalogue.broken)


def finding(
    path: str,
    doc_path: DocPath,
    rule: str,
    message: str,
    hint: str = "",
    *,
    at_key: bool = False,
    severity: Severity | None = None,
) -> Pending:
    return Pending(path, doc_path, rule, message, hint, at_key, severity)

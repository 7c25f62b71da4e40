"""pmoctl's Python API: what the command line does, as functions (see docs/api.md).

The public functions are those in ``__all__`` (docs/api.md documents each); the command
line is one client of them. Each imports its part of pmoctl when called, so that a program
using one part does not load the others (rendering loads Jinja2, checking reads git). The
other functions here serve the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pmoctl.errors import UserError

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.findings import Finding
    from pmoctl.lifecycle.check import CheckResult
    from pmoctl.lifecycle.record import RecordOutcome
    from pmoctl.lifecycle.transition import Outcome
    from pmoctl.operations.recharge import Statement
    from pmoctl.render.output import RenderResult
    from pmoctl.render.pack import PackResult
    from pmoctl.rules.validate import ValidationResult

__all__ = [
    "appoint",
    "approve_change",
    "check",
    "due",
    "implement_change",
    "kpi_import",
    "kpi_record",
    "kpi_report",
    "load",
    "reject_change",
    "recharge",
    "render",
    "render_pdf",
    "report",
    "request_change",
    "review",
    "transition",
    "validate",
]


_Choice = TypeVar("_Choice", bound=StrEnum)


def load(path: Path | str) -> tuple[Catalogue, list[Finding]]:
    """The catalogue at or around ``path`` as models, with every finding ``validate`` reports.

    Files with errors are left out of the returned :class:`~pmoctl.catalogue.files.Catalogue`
    (their findings say why).
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.rules.engine import check_all

    return check_all(find_root(Path(path)))


def validate(
    path: Path | str, *, files: Sequence[Path | str] = (), use_cache: bool = True
) -> ValidationResult:
    """Check the catalogue at or around ``path`` (only ``files`` of it, when given)."""
    from pmoctl.rules.validate import validate_catalogue

    root, only = resolve_targets([Path(name) for name in files] or [Path(path)])
    return validate_catalogue(root, only=only, use_cache=use_cache)


def transition(
    path: Path | str,
    services: Sequence[str],
    *,
    to: str,
    approved_by: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    rollout: str | None = None,
    readiness: Mapping[str, str] | None = None,
    waive: Sequence[str] = (),
    closes: str | None = None,
    waive_capacity: bool = False,
    kept: Sequence[str] = (),
    discarded: Sequence[str] = (),
    archived: Sequence[str] = (),
    communication: str | None = None,
    superseded_by: str | None = None,
    date: dt.date | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    signature: Path | str | None = None,
    key: Path | str | None = None,
    sign: bool = False,
) -> Outcome:
    """Move ``services`` of the catalogue at or around ``path`` to stage ``to``, as one commit.

    ``readiness`` maps each area of the readiness assessment (governance, resources,
    training, communication) to a statement (pilot -> transition); ``waive`` names success
    criteria not met that the Service Owner waives (with a ``note``); ``closes`` names the
    service a set-up decision closes to free capacity, and ``waive_capacity`` sets a service
    up over capacity (PMO Director, with a ``note``).

    ``sign``: the approver signs each move now, with ``key`` (default: git's
    ``user.signingKey``), as ``pmoctl approve`` does. ``signature``: a file of moves signed
    before (``pmoctl approve --sign-only``), whose approver, date and evidence are used.
    Raises :class:`~pmoctl.errors.RefusedError` (with the findings) when the move is not
    allowed, :class:`~pmoctl.errors.RepoStateError` or :class:`~pmoctl.errors.GitCommandError`
    when git cannot commit it; the repository is then as it was. The outcome's ``signed``
    lists the signed decisions.
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.catalogue.vocabulary import Stage
    from pmoctl.lifecycle import signatures
    from pmoctl.lifecycle.transition import Evidence
    from pmoctl.lifecycle.transition import transition as move

    root = find_root(Path(path))
    signing = None
    given_evidence = bool(
        reason or note or rollout or readiness or waive or closes or waive_capacity or kept
        or discarded or archived or communication or superseded_by or date
    )  # fmt: skip
    if signature is not None:
        if sign:
            raise UserError("sign now (--key) or give a signature file, not both")
        signed = signatures.read_file(Path(signature))
        signer, fields = signatures.approver_and_evidence(signed)
        if approved_by is not None and approved_by != signer:
            raise UserError(f"--approved-by {approved_by}: the signed decision is {signer}'s")
        if given_evidence:
            raise UserError(
                "the date and the evidence of a signed move come from its signature file",
                hint="leave out --date, --reason, --note and the other evidence options",
            )
        signing = signatures.Signing(signed={item.statement.subject: item for item in signed})
        approved_by, reason, note = signer, fields["reason"], fields["note"]
        rollout, readiness = fields["rollout"], fields["readiness"]
        waive, closes, waive_capacity = (
            fields["waived_criteria"], fields["closes"], fields["waive_capacity"]
        )  # fmt: skip
        kept, discarded = fields["kept"], fields["discarded"]
        archived, communication = fields["archived"], fields["communication"]
        superseded_by, date = fields["superseded_by"], fields["date"]
    elif sign:
        signing = signatures.Signing(key=signatures.key_path(root, Path(key) if key else None))
    if approved_by is None:
        raise UserError("name the approver with --approved-by PERSON")
    if isinstance(services, str):
        raise UserError("services is a list of service ids, not one text", hint=f"[{services!r}]")
    if to not in {stage.value for stage in Stage}:
        raise UserError(
            f"no stage {to!r}", hint="stages: " + ", ".join(stage.value for stage in Stage)
        )
    if date is not None:
        date = _day(date)
    if readiness is not None and not isinstance(readiness, Mapping):
        raise UserError(
            "readiness is a statement for each area, not one text",
            hint="{'governance': ..., 'resources': ..., 'training': ..., 'communication': ...}",
        )
    for name, value in (("waive", waive), ("kept", kept), ("discarded", discarded)):
        if isinstance(value, str):
            raise UserError(f"{name} is a list, not one text", hint=f"[{value!r}]")
    evidence = Evidence(
        reason=reason,
        note=note,
        rollout=rollout,
        readiness=dict(readiness) if readiness is not None else None,
        waived_criteria=tuple(waive),
        closes=closes,
        waive_capacity=waive_capacity,
        kept=_texts("kept", kept),
        discarded=_texts("discarded", discarded),
        archived=_texts("archived", archived),
        communication=communication,
        superseded_by=superseded_by,
        date=date,
    )
    return move(
        root,
        list(services),
        target=to,
        approver_id=approved_by,
        evidence=evidence,
        dry_run=dry_run,
        allow_detached=allow_detached,
        signing=signing,
    )


def appoint(
    path: Path | str,
    service: str,
    *,
    approved_by: str,
    owner: str | None = None,
    manager: str | None = None,
    operative: str | None = None,
    pmo: str | None = None,
    agreed_with: str | None = None,
    note: str | None = None,
    date: dt.date | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """Appoint one person (``owner``, ``manager`` or ``operative``) to ``service``, as one commit.

    ``key``: the approver's SSH key; the record then carries their signature (docs/signing.md).

    Raises :class:`~pmoctl.errors.RefusedError` when the approver may not take the decision
    or the appointment is not allowed; the repository is then as it was.
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.lifecycle.appointments import Appointing
    from pmoctl.lifecycle.appointments import appoint as record_appointment

    named = [(role, person) for role, person in
             (("owner", owner), ("manager", manager), ("operative", operative))
             if person is not None]  # fmt: skip
    if len(named) != 1:
        raise UserError(
            "name one person to appoint: --owner, --manager or --operative",
            hint="each appointment is its own decision and its own commit",
        )
    given = (service, approved_by, named[0][1], pmo, agreed_with, note)
    for value in given:
        if value is not None and not isinstance(value, str):
            raise UserError(f"ids and the note are text, not {value!r}")
    role, person = named[0]
    request = Appointing(
        role,  # type: ignore[arg-type]  # one of the three names above
        person,
        approved_by,
        pmo=pmo,
        agreed_with=agreed_with,
        note=note,
        date=_day(date) if date is not None else None,
        key=_key(key),
    )
    return record_appointment(
        find_root(Path(path)), service, request, dry_run=dry_run, allow_detached=allow_detached
    )


def request_change(
    path: Path | str,
    service: str,
    *,
    title: str,
    requested_by: str,
    ident: str | None = None,
    kind: str = "change-request",
    reason: str | None = None,
    description: str | None = None,
    impact: Mapping[str, str] | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
) -> RecordOutcome:
    """Record a proposed change request (``kind="improvement"``: an improvement proposed by
    a Service Manager) of ``service`` as one commit; ``impact`` maps ``strategy``,
    ``catalogue`` and ``handbook`` to what changes in each. The id is made from the title
    unless ``ident`` is given."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.catalogue.vocabulary import ChangeKind, ChangeReason
    from pmoctl.lifecycle.changes import NewChange, new

    request = NewChange(
        title=title,
        requested_by=requested_by,
        ident=ident,
        kind=_choice(ChangeKind, kind, "kind"),
        reason=_choice(ChangeReason, reason, "reason") if reason is not None else None,
        description=description,
        impact=dict(impact or {}),
    )
    root = find_root(Path(path))
    return new(root, service, request, dry_run=dry_run, allow_detached=allow_detached)


def approve_change(
    path: Path | str,
    service: str,
    change: str,
    *,
    approved_by: str,
    note: str | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """The Service Owner ``approved_by`` approves the proposed request ``change``: one commit
    (signed with ``key``, their SSH key, when given).

    Raises :class:`~pmoctl.errors.RefusedError` when the request is not proposed or the
    person is not the Service Owner, :class:`~pmoctl.errors.UserError` for an unknown
    service, request or person; the repository is then as it was.
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.lifecycle.changes import decide

    return decide(find_root(Path(path)), service, change, approve=True,
                  approved_by=approved_by, note=note, dry_run=dry_run,
                  allow_detached=allow_detached, key=_key(key))  # fmt: skip


def reject_change(
    path: Path | str,
    service: str,
    change: str,
    *,
    approved_by: str,
    note: str,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """The Service Owner ``approved_by`` rejects the proposed request ``change``, saying why
    in ``note``: one commit (signed with ``key``, their SSH key, when given)."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.lifecycle.changes import decide

    return decide(find_root(Path(path)), service, change, approve=False,
                  approved_by=approved_by, note=note, dry_run=dry_run,
                  allow_detached=allow_detached, key=_key(key))  # fmt: skip


def implement_change(
    path: Path | str,
    service: str,
    change: str,
    *,
    approved_by: str,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """Record the approved request ``change`` as made, by the Service Owner or a Service
    Manager ``approved_by``: one commit (signed with ``key``, their SSH key, when given)."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.lifecycle.changes import implement

    return implement(find_root(Path(path)), service, change, approved_by=approved_by,
                     dry_run=dry_run, allow_detached=allow_detached,
                     key=_key(key))  # fmt: skip


def render(
    path: Path | str,
    out: Path | str,
    *,
    output_format: str = "html",
    allow_invalid: bool = False,
    with_history: bool = True,
) -> RenderResult:
    """Render the catalogue at or around ``path`` into the folder ``out`` (html or markdown)."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.render.site import render_site

    return render_site(
        find_root(Path(path)),
        Path(out),
        output_format,  # type: ignore[arg-type]  # checked by render_site
        allow_invalid=allow_invalid,
        with_history=with_history,
    )


def check(path: Path | str, *, base: str | None = None) -> CheckResult:
    """What ``pmoctl check`` reports: validation, and the moves since the merge-base with
    ``base`` (default: the pull request's target branch, else ``origin/main`` or ``main``)."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.lifecycle.check import check as check_changes

    return check_changes(find_root(Path(path)), base)


def kpi_report(
    path: Path | str,
    *,
    today: dt.date | None = None,
    service: str | None = None,
    pmo: str | None = None,
    owner: str | None = None,
) -> list[dict[str, Any]]:
    """What ``pmoctl kpi report`` lists: one row per KPI of each running service, as of
    ``today`` (default: :func:`pmoctl.runtime.today`)."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.catalogue.pipeline import load_catalogue
    from pmoctl.operations.kpis import kpi_rows
    from pmoctl.runtime import today as default_today

    day = _day(today) if today is not None else default_today()
    catalogue, _, _ = load_catalogue(find_root(Path(path)))
    return kpi_rows(catalogue, day, service=service, pmo=pmo, owner=owner)


def due(
    path: Path | str, *, within_days: int = 30, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """What ``pmoctl due`` lists: the items due within ``within_days`` of ``today``
    (default: :func:`pmoctl.runtime.today`) or overdue, each with its stable ``id``."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.catalogue.pipeline import load_catalogue
    from pmoctl.operations.due import due_items
    from pmoctl.runtime import today as default_today

    day = _day(today) if today is not None else default_today()
    if isinstance(within_days, bool) or not isinstance(within_days, int):
        raise UserError(f"within_days must be a whole number of days, not {within_days!r}")
    if not 0 <= within_days <= _LONGEST_WINDOW:
        raise UserError(f"within_days must be from 0 to {_LONGEST_WINDOW}, not {within_days}")
    catalogue, _, _ = load_catalogue(find_root(Path(path)))
    return due_items(catalogue, day, within_days)


def kpi_record(
    path: Path | str,
    service: str,
    kpi: str,
    value: str | float,
    *,
    period: str | None = None,
    note: str | None = None,
    reported_by: str | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """Append a reading of ``kpi`` to ``service`` as one commit (``pmoctl kpi record``);
    signed by the reporter with ``key``, their SSH key, when given.

    ``period`` names the period as the KPI's frequency does (``2026-11``, ``2026-Q4``,
    ``2026-W48``, ``2026``) or is a day in it; by default the last period that is over.
    ``value`` is a number, or text such as ``"95"`` or ``"95%"``.
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.operations.readings import ReadingRequest, record_reading

    for name, given in (("service", service), ("kpi", kpi)):
        _text_argument(name, given)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UserError(f"value must be a number or text, not {value!r}")
    request = ReadingRequest(service, kpi, str(value), period, note, reported_by, _key(key))
    return record_reading(
        find_root(Path(path)), request, dry_run=dry_run, allow_detached=allow_detached
    )


def kpi_import(
    path: Path | str,
    file: Path | str,
    *,
    reported_by: str | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """Append every reading of a ``.csv`` file or an ``.xlsx`` workbook (columns service,
    kpi, period, value, note) as one commit, or none (``pmoctl kpi import``); with ``key``,
    each reading is signed by its reporter, who holds that key.

    Raises :class:`~pmoctl.operations.readings.ImportRefusedError` (a
    :class:`~pmoctl.errors.RefusedError`) whose ``problems`` give each bad cell's row,
    column and reason.
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.operations.readings import import_readings

    return import_readings(
        find_root(Path(path)), Path(file), reported_by=reported_by, dry_run=dry_run,
        allow_detached=allow_detached, key=_key(key),
    )  # fmt: skip


def review(
    path: Path | str,
    service: str,
    *,
    attendees: Sequence[str],
    summary: str,
    approved_by: str,
    decisions: Sequence[str] = (),
    actions: Sequence[str | tuple[str, str, dt.date]] = (),
    date: dt.date | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | str | None = None,
) -> RecordOutcome:
    """Append a service review to ``service`` as one commit (``pmoctl review``); signed by
    the approver with ``key``, their SSH key, when given.

    Each action is ``"TEXT;OWNER;YYYY-MM-DD"`` or a tuple ``(text, owner, due)``; ``date``
    is the day the review was held (default: today).
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.operations.reviews import ReviewAction, ReviewRequest, parse_action, record_review

    _text_argument("service", service)
    for name, values in (("attendees", attendees), ("decisions", decisions)):
        if isinstance(values, str):
            raise UserError(f"{name} must be a list of texts, not one text: [{values!r}]")
    if isinstance(actions, str):
        raise UserError(f"actions must be a list, not one text: [{actions!r}]")
    planned = []
    for action in actions:
        if isinstance(action, str):
            planned.append(parse_action(action))
        else:
            what, owner, due = action
            planned.append(ReviewAction(what, owner, _day(due)))
    request = ReviewRequest(
        service, list(attendees), summary, approved_by, list(decisions), tuple(planned),
        _day(date) if date is not None else None, key=_key(key),
    )  # fmt: skip
    return record_review(
        find_root(Path(path)), request, dry_run=dry_run, allow_detached=allow_detached
    )


def _key(key: Path | str | None) -> Path | None:
    """The SSH key to sign a decision with (a path), or None."""
    if key is None:
        return None
    if not isinstance(key, (str, Path)) or not str(key):
        raise UserError(f"key must be the path of an SSH key, not {key!r}")
    return Path(key).expanduser()


def _text_argument(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise UserError(f"{name} must be an id (text), not {value!r}")


def report(
    path: Path | str,
    out: Path | str,
    *,
    period: str,
    formats: Sequence[str] = ("html",),
    today: dt.date | None = None,
    allow_invalid: bool = False,
) -> PackResult:
    """Write the monthly report pack of ``period`` (``YYYY-MM``) into the folder ``out``,
    one file per format of ``formats`` (html, md, xlsx, pdf): ``pmo-report-YYYY-MM.EXT``.

    The pack is as of the day after the month (or ``today`` within it); a catalogue with
    errors is refused (:class:`~pmoctl.errors.RefusedError`) unless ``allow_invalid``.
    """
    from pmoctl.catalogue.files import find_root
    from pmoctl.render.pack import write_pack
    from pmoctl.runtime import today as default_today

    day = _day(today) if today is not None else default_today()
    if isinstance(formats, str):
        raise UserError("formats is a list of formats, not one text", hint=f"[{formats!r}]")
    return write_pack(
        find_root(Path(path)),
        Path(out),
        period,
        tuple(formats),  # type: ignore[arg-type]  # checked by write_pack
        today=day,
        allow_invalid=allow_invalid,
    )


def recharge(path: Path | str, *, period: str, today: dt.date | None = None) -> Statement:
    """What ``pmoctl recharge`` shows for ``period`` (``YYYY-MM``, begun by ``today``): the
    charge of each recharged service to each customer group, and budget against actual
    per PMO (:class:`~pmoctl.operations.recharge.Statement`; ``.as_json()`` for data)."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.catalogue.pipeline import load_catalogue
    from pmoctl.operations.pack import parse_month
    from pmoctl.operations.recharge import statement
    from pmoctl.runtime import today as default_today

    day = _day(today) if today is not None else default_today()
    month = parse_month(period, day)
    catalogue, _, _ = load_catalogue(find_root(Path(path)))
    return statement(catalogue, month)


def render_pdf(path: Path | str, out: Path | str, *, allow_invalid: bool = False) -> Path:
    """Write the operations handbook as one PDF, ``handbook.pdf`` in the folder ``out``."""
    from pmoctl.catalogue.files import find_root
    from pmoctl.render.handbook_pdf import write_handbook_pdf

    return write_handbook_pdf(find_root(Path(path)), Path(out), allow_invalid=allow_invalid)


#: the longest window `due` looks ahead, in days (ten years)
_LONGEST_WINDOW = 3653


def _choice(choices: type[_Choice], value: object, what: str) -> _Choice:
    """``value`` as a member of ``choices``, or UserError listing them."""
    for member in choices:
        if value == member.value:
            return member
    raise UserError(
        f"no {what} {value!r}", hint=f"{what}: " + ", ".join(member.value for member in choices)
    )


def _texts(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Artefact names given to the API: a list of texts (one text would be split into letters)."""
    if isinstance(values, str):
        raise UserError(f"{name} is a list of texts, not one text", hint=f"[{values!r}]")
    return tuple(values)


def _day(value: object) -> dt.date:
    """A day given to the API: a date (not a datetime, not text) from 1900 to 2999."""
    if type(value) is not dt.date or not 1900 <= value.year <= 2999:
        raise UserError(f"{value!r} is not a day from 1900 to 2999 (a datetime.date)")
    return value


def resolve_targets(
    paths: list[Path], catalogue: Path | None = None
) -> tuple[Path, list[str] | None]:
    """The catalogue root and, when files were named, their paths relative to it.

    ``catalogue`` (``-C/--catalogue``) names the catalogue instead of the current folder;
    named paths are still relative to the current folder, and must be in that catalogue.
    """
    from pmoctl.catalogue.files import COLLECTIONS, SINGLETONS, find_root

    if catalogue is not None and not catalogue.exists():
        raise UserError(f"{catalogue} does not exist")
    if not paths:
        return find_root(catalogue if catalogue is not None else Path.cwd()), None
    roots: set[Path] = set()
    only: list[str] = []
    whole = False
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UserError(f"{path} does not exist")
        root = find_root(path)
        roots.add(root)
        if path.is_dir() and not path.is_symlink():
            whole = True
        else:
            rel = Path(os.path.abspath(path)).relative_to(root).as_posix()
            if rel not in SINGLETONS and rel.partition("/")[0] not in COLLECTIONS:
                raise UserError(
                    f"{path} is not a file of the catalogue at {root}",
                    hint=f"catalogue files are {', '.join(SINGLETONS)} and the files in "
                    + " and ".join(f"{folder}/" for folder in COLLECTIONS),
                )
            only.append(rel)
    if len(roots) > 1:
        raise UserError(
            "the paths are in different catalogues: " + ", ".join(sorted(map(str, roots))),
            hint="validate one catalogue at a time",
        )
    root = roots.pop()
    if catalogue is not None and find_root(catalogue) != root:
        raise UserError(
            f"{paths[0]} is not in the catalogue {find_root(catalogue)}",
            hint="name files of that catalogue (relative to the current folder), "
            "or leave out -C/--catalogue",
        )
    return root, (None if whole else only)


def rules_listing(*, as_json: bool = False) -> str:
    from pmoctl.rules import all_rules

    rules = all_rules().values()
    if as_json:
        return json.dumps(
            [
                {
                    "id": rule.id,
                    "severity": rule.severity.value,
                    "summary": rule.summary,
                    "explanation": rule.explanation,
                }
                for rule in rules
            ],
            indent=2,
        )
    width = max(len(rule.id) for rule in rules)
    return "\n".join(
        f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.summary}" for rule in rules
    )


def explain_rule(rule_id: str) -> str:
    import textwrap

    from pmoctl.rules import all_rules
    from pmoctl.rules._common import rule_hint

    rules = all_rules()
    rule = rules.get(rule_id.upper())
    if rule is None:
        raise UserError(f"no rule {rule_id!r}", hint=rule_hint(rule_id, rules))
    body = textwrap.fill(rule.explanation, width=88)
    return f"{rule.id} ({rule.severity.value} by default)\n{rule.summary}\n\n{body}\n"


SCHEMA_BASE_URI = "https://pmoctl.example/schemas/v1/"


def schema_documents() -> dict[str, dict[str, Any]]:
    """One JSON Schema per document kind, keyed by file name."""
    from pmoctl.catalogue.editor_schema import EditorSchema
    from pmoctl.catalogue.kinds import KIND
    from pmoctl.catalogue.models import MODELS_BY_KIND

    documents = {}
    for kind, model in MODELS_BY_KIND.items():
        schema = model.model_json_schema(
            by_alias=True, mode="validation", schema_generator=EditorSchema
        )
        name = KIND[kind].schema
        documents[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_BASE_URI + name,
            "title": f"pmoctl {kind} (format 1)",
            **schema,
        }
    return documents


def schema_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schemas(target: Path, *, check: bool = False) -> list[str]:
    """Write (or with ``check`` only compare) the schemas; return the names that differed."""
    stale = []
    for name, document in schema_documents().items():
        text = schema_text(document)
        path = target / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current == text:
            continue
        stale.append(name)
        if not check:
            from pmoctl.fileio import real_folder, replace_file

            real_folder(Path.cwd(), target.absolute())
            replace_file(path, text.encode("utf-8"))
    return stale

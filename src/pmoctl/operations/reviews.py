"""`pmoctl review`: a service review appended to the service's ``reviews`` as one commit,
through :func:`pmoctl.lifecycle.record.record`.

Holding the review is the Service Owner's or a Service Manager's decision
(``record-review`` in :mod:`pmoctl.catalogue.decisions`); the one who approves the record
is counted among the attendees. Reviews are recorded in date order, one a day per service
(the ids of its actions in `pmoctl due` carry the review's date), for a service that is
delivered (pilot, transition or running).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl import runtime
from pmoctl.catalogue.decisions import approver_problem, decision
from pmoctl.errors import UserError
from pmoctl.lifecycle import record as recording
from pmoctl.operations.readings import stage_problem
from pmoctl.signing.records import decision_record
from pmoctl.yaml import edit

if TYPE_CHECKING:
    from pmoctl import gitrepo
    from pmoctl.catalogue.models import Organisation, Service

#: how ``--action`` is written
ACTION_FORM = "TEXT;OWNER;YYYY-MM-DD"
#: the longest decision or action text, and summary (the format's short text and text)
_SHORT = 300
_LONG = 20_000


@dataclass(frozen=True)
class ReviewAction:
    action: str
    owner: str
    due: dt.date


@dataclass(frozen=True)
class ReviewRequest:
    service: str
    attendees: Sequence[str]
    summary: str
    approved_by: str
    decisions: Sequence[str] = ()
    actions: Sequence[ReviewAction] = field(default_factory=tuple)
    date: dt.date | None = None
    #: the approver's SSH key: the review is recorded with their signature
    key: Path | None = None


def parse_action(text: str) -> ReviewAction:
    """``--action "TEXT;OWNER;DUE"``: the text may hold ';' itself (the last two fields are
    the owner and the due date)."""
    parts = text.rsplit(";", 2)
    if len(parts) != 3 or not parts[0].strip():
        raise UserError(
            f"--action {text!r} is not {ACTION_FORM}",
            hint='e.g. --action "Update the report template;tom-okafor;2026-12-15"',
        )
    what, owner, due = (part.strip() for part in parts)
    try:
        day = dt.date.fromisoformat(due)
    except ValueError:
        raise UserError(
            f"--action {text!r}: {due!r} is not a date", hint=f"write it as {ACTION_FORM}"
        ) from None
    return ReviewAction(what, owner, day)


def _check_texts(request: ReviewRequest) -> None:
    recording.check_text("--summary", request.summary)
    if len(request.summary) > _LONG:
        raise UserError(f"--summary is longer than {_LONG} characters")
    for option, values in (
        ("--decision", request.decisions),
        ("--action", [action.action for action in request.actions]),
    ):
        for value in values:
            recording.check_text(option, value)
            if "\n" in value:
                raise UserError(f"{option} {value!r} is more than one line")
            if len(value) > _SHORT:
                raise UserError(f"{option} {value[:40]!r}... is longer than {_SHORT} characters")
    if not request.attendees:
        raise UserError("a review needs its attendees", hint="name each with --attendee PERSON")


def _check_date(service: Service, day: dt.date, given: bool) -> None:
    if day > runtime.today():
        raise UserError(
            f"--date {day.isoformat()} is after today",
            hint="give the day the review was held (today or earlier)",
        )
    dates = [review.date for review in service.reviews]
    if day in dates:
        raise recording.RecordRefusedError(
            f"{service.id} already has a review on {day.isoformat()}",
            hint="one review a day is recorded; add to it by editing the file",
        )
    if dates and day < max(dates):
        when = "given with --date" if given else "today"
        raise recording.RecordRefusedError(
            f"{service.id}: the review's date, {day.isoformat()} ({when}), is before its last "
            f"recorded review ({max(dates).isoformat()})",
            hint="reviews are recorded in date order",
        )


def _review_item(
    request: ReviewRequest, organisation: Organisation, approver: str, day: dt.date
) -> dict[str, object]:
    attendees = [
        recording.find_person(organisation, ident, "--attendee").id for ident in request.attendees
    ]
    if approver not in attendees:
        attendees.append(approver)
    item: dict[str, object] = {
        "date": day,
        "attendees": list(dict.fromkeys(attendees)),
        "approved_by": approver,
        "kpi_summary": request.summary,
    }
    if request.decisions:
        item["decisions"] = list(request.decisions)
    actions = []
    for action in request.actions:
        owner = recording.find_person(organisation, action.owner, "--action").id
        if action.due < day:
            raise UserError(
                f"--action {action.action!r} is due on {action.due.isoformat()}, before the "
                f"review ({day.isoformat()})"
            )
        actions.append({"action": action.action, "owner": owner, "due": action.due})
    if actions:
        item["actions"] = actions
    return item


def record_review(
    root: Path, request: ReviewRequest, *, dry_run: bool = False, allow_detached: bool = False
) -> recording.RecordOutcome:
    """Append one review to the service as one commit."""
    _check_texts(request)
    day = request.date or runtime.today()

    def plan(repo: gitrepo.Repo) -> tuple[list[recording.FileEdit], recording.Decision]:
        service = recording.read_service(root, repo, request.service)
        model = service.model
        stage = stage_problem(model, "reviews are held")
        if stage is not None:
            raise recording.RecordRefusedError(stage)
        organisation = recording.load_organisation(root)
        approver = recording.find_person(organisation, request.approved_by)
        problem = approver_problem(decision("record-review"), approver, model)
        if problem is not None:
            raise recording.RecordRefusedError(f"{model.id}: {problem}")
        _check_date(model, day, request.date is not None)
        item = _review_item(request, organisation, approver.id, day)
        item["signature"] = recording.signature(
            root, repo, service, "record-review", decision_record("record-review", item),
            people=organisation.people, key=request.key,
        )  # fmt: skip
        changes = [edit.Append(("reviews",), item)]
        made = recording.Decision(
            "record-review", model.id, f"review of {day.isoformat()}", approver, request.summary
        )
        return [recording.edited(service, changes)], made

    return recording.record(
        root, [request.service], plan, dry_run=dry_run, allow_detached=allow_detached
    )

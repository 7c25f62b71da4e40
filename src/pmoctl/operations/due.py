"""`pmoctl due`: what needs doing, each item with an id that stays the same from one run to
the next, so that a scheduled job can open one ticket per item and never a duplicate.

Items, and their ids:

- ``end-date:SERVICE:DATE``: a temporary service not yet retired whose end date is
  within the window (or past);
- ``kpi-reading:SERVICE:KPI:PERIOD``: a running service's KPI owes readings; PERIOD is
  the first period owed, so the id stays while further periods go by unread;
- ``change-request:SERVICE:ID``: a change request waiting for a decision (proposed),
  whatever the window; its date is the day it was requested, and it is never "overdue";
- ``review:SERVICE:DATE``: a running service's next review (see
  :mod:`pmoctl.catalogue.reviews`) due within the window; DATE is the day it is due, which
  stays until a review is recorded;
- ``review-action:SERVICE:DATE:N``: the Nth action (from 1) of the review held on DATE, not
  done, due within the window, on any service not closing or closed;
- ``issue-action:SERVICE:ISSUE:N``: the N-th action (from 1, in the order listed) of an
  open issue, not done, due within the window (or past): add new actions at the end, so
  that the numbers stay;
- ``risk-review:SERVICE:RISK:DATE``: a risk that is not closed whose ``review_by`` date
  is within the window (or past); a new date is a new item.

Closed services owe nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pmoctl.catalogue.lifecycle import RETIRED
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.periods import PERIOD_NAME, missed_readings, running_since
from pmoctl.catalogue.reviews import review_due
from pmoctl.errors import UserError
from pmoctl.output.report import printable

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Service

_WINDOW = re.compile(r"(\d{1,4})([dw])")


def parse_window(text: str) -> int:
    """``30d`` or ``6w`` as a number of days."""
    match = _WINDOW.fullmatch(text.strip())
    if match is None:
        raise UserError(
            f"--within {text!r} is not a number of days or weeks",
            hint="write it as 30d (days) or 6w (weeks)",
        )
    return int(match[1]) * (7 if match[2] == "w" else 1)


def _item(  # noqa: PLR0917 - one call per kind of item, all fields named by position
    ident: str, kind: str, service: str, due: dt.date, overdue: bool, what: str
) -> dict[str, Any]:
    return {
        "id": ident,
        "kind": kind,
        "service": service,
        "due": due.isoformat(),
        "overdue": overdue,
        "what": what,
    }


def due_items(catalogue: Catalogue, today: dt.date, within_days: int) -> list[dict[str, Any]]:
    """Everything due by ``today`` + ``within_days`` (or overdue), by due date then id."""
    horizon = today + dt.timedelta(days=within_days)
    items = []
    for ident in sorted(catalogue.services):
        service = catalogue.services[ident]
        stage = service.lifecycle.stage
        end = service.temporary.end_date if service.temporary else None
        if end is not None and stage not in RETIRED and end <= horizon:
            items.append(
                _item(f"end-date:{ident}:{end.isoformat()}", "end-date", ident, end, end < today,
                      "temporary service ends: close it or agree a later end date")
            )  # fmt: skip
        if stage is Stage.RUNNING:
            since = running_since(service)
            for kpi in service.kpis:
                missed = missed_readings(kpi, since, today)
                if missed is None:
                    continue
                owed = missed.first.label
                if missed.count > 1:
                    owed += (
                        f" to {missed.last.label} ({missed.count} {PERIOD_NAME[kpi.frequency]}s)"
                    )
                items.append(
                    _item(f"kpi-reading:{ident}:{kpi.id}:{missed.first.label}", "kpi-reading",
                          ident, missed.first.end, True,
                          f"no reading for {owed}")
                )  # fmt: skip
        review = review_due(service, catalogue.config)
        if review is not None and review.due <= horizon:
            counted = (
                f"the last on {review.last_review.isoformat()}"
                if review.last_review is not None
                else f"live since {review.since.isoformat()}"
            )
            items.append(
                _item(f"review:{ident}:{review.due.isoformat()}", "review", ident, review.due,
                      review.due < today, f"{review.cadence} service review ({counted})")
            )  # fmt: skip
        if stage not in RETIRED:
            items.extend(_actions(ident, service, horizon, today))
        if stage is not Stage.CLOSED:
            items.extend(_escalation_items(ident, service, today, horizon))
        for request in service.change_requests:
            if request.status == "proposed":
                items.append(
                    _item(f"change-request:{ident}:{request.id}", "change-request", ident,
                          request.date, False,
                          f"decide: {request.title}")
                )  # fmt: skip
    return sorted(items, key=lambda item: (item["due"], item["id"]))


def _actions(
    ident: str, service: Service, horizon: dt.date, today: dt.date
) -> Iterator[dict[str, Any]]:
    for review in service.reviews:
        for number, action in enumerate(review.actions, start=1):
            if action.done or action.due > horizon:
                continue
            yield _item(
                f"review-action:{ident}:{review.date.isoformat()}:{number}", "review-action",
                ident, action.due, action.due < today,
                f"{action.owner}: {action.action} (review of {review.date.isoformat()})",
            )  # fmt: skip


def _escalation_items(
    ident: str, service: Service, today: dt.date, horizon: dt.date
) -> list[dict[str, Any]]:
    """The actions of open issues not done, and the risks to review, due by ``horizon``."""
    items = []
    for issue in service.issues:
        if issue.status != "open":
            continue
        for number, action in enumerate(issue.actions, start=1):
            if action.done or action.due > horizon:
                continue
            items.append(
                _item(f"issue-action:{ident}:{issue.id}:{number}", "issue-action", ident,
                      action.due, action.due < today,
                      f"{action.owner}: {action.action} (issue {issue.id})")
            )  # fmt: skip
    for risk in service.risks:
        review = risk.review_by
        if risk.status != "closed" and review is not None and review <= horizon:
            items.append(
                _item(f"risk-review:{ident}:{risk.id}:{review.isoformat()}", "risk-review",
                      ident, review, review < today,
                      f"review the risk: {risk.title}")
            )  # fmt: skip
    return items


def due_table(items: list[dict[str, Any]], today: dt.date, within_days: int) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    if not items:
        return Text(f"nothing due within {within_days} days of {today.isoformat()}")
    table = Table(
        title=f"Due within {within_days} days of {today.isoformat()}", title_justify="left"
    )
    for header in ("due", "id", "what"):
        table.add_column(header, no_wrap=header != "what")
    for item in items:
        table.add_row(
            Text(item["due"] + (" overdue" if item["overdue"] else ""),
                 style="bold red" if item["overdue"] else ""),
            Text(printable(item["id"])),
            Text(printable(item["what"])),
        )  # fmt: skip
    return table

"""Running a service: service reviews held on their cadence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.reviews import review_due
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Rule
from pmoctl.rules._common import finding, services
from pmoctl.runtime import today

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


def _review_due(catalogue: Catalogue) -> Iterator[Pending]:
    day = today()
    for path, service in services(catalogue):
        due = review_due(service, catalogue.config)
        if due is None or due.due >= day:
            continue
        if due.last_review is None:
            what = f"no review since it went live on {due.since.isoformat()}"
            live = [i for i, move in enumerate(service.lifecycle.moves) if move.to is Stage.RUNNING]
            where: DocPath = ("lifecycle", "moves", live[-1], "date")
        else:
            what = f"no review since {due.last_review.isoformat()}"
            where = ("reviews", len(service.reviews) - 1, "date")
        yield finding(
            path,
            where,
            "REVIEW-DUE",
            f"the {due.cadence} service review was due on {due.due.isoformat()}: {what}",
            f"hold the review and record it: pmoctl review {service.id} --attendee PERSON "
            "--summary TEXT --approved-by PERSON",
        )


RULES = [
    Rule(
        "REVIEW-DUE",
        Severity.WARNING,
        "A running service's review is overdue",
        "A running service is reviewed on a cadence: its `review_cadence`, else `reviews: "
        "{cadence: ...}` in pmoctl.yaml (`monthly`, `quarterly`, `half-yearly` or `annually`); "
        "a catalogue that sets neither does not track reviews, and `review_cadence: none` "
        "exempts a service. The next review is due the cadence after the latest one in "
        "`reviews`, or after the service went live (its last recorded move to running) when "
        "none is recorded: a service that went live on 15 March with a quarterly cadence owes "
        "its first review on 15 June, and is reported from the day after. `pmoctl review` "
        "records one; `pmoctl due` lists the reviews owed and their actions past due. The day "
        "is today's date, or `PMOCTL_TODAY=YYYY-MM-DD`.",
        _review_due,
    ),
]

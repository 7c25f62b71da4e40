"""Service reviews: how often a running service is reviewed, and when the next one is due.
No I/O.

A service's cadence is its ``review_cadence``, else ``reviews.cadence`` in pmoctl.yaml;
without either (or with ``review_cadence: none``) it is not reviewed on a cadence. The next
review is due the cadence after the latest one, or after the service went live (its last
recorded move to running) when none is recorded yet: a service that went live on
2026-03-15 with a quarterly cadence owes its first review on 2026-06-15.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.periods import running_since

if TYPE_CHECKING:
    from pmoctl.catalogue.models import Config, Service

#: the months between two reviews, by cadence
CADENCE_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "half-yearly": 6, "annually": 12}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has fewer days
    (31 January plus one month is the last day of February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def cadence_of(service: Service, config: Config | None) -> str | None:
    """The service's review cadence (``monthly``...), or None when it has none."""
    if service.review_cadence == "none":
        return None
    if service.review_cadence is not None:
        return service.review_cadence
    return config.reviews.cadence if config is not None else None


@dataclass(frozen=True)
class ReviewDue:
    """When a service's next review is due, and what that is counted from."""

    cadence: str
    due: dt.date
    #: the latest review's date, or None when counted from the go-live
    last_review: dt.date | None
    since: dt.date


def review_due(service: Service, config: Config | None) -> ReviewDue | None:
    """When the running ``service``'s next review is due; None when it is not running,
    has no cadence, or has neither a review nor a go-live date to count from."""
    cadence = cadence_of(service, config)
    if cadence is None or service.lifecycle.stage is not Stage.RUNNING:
        return None
    live = running_since(service)
    if live is None and not service.reviews:
        return None  # a running service without moves: LIFECYCLE-MOVES asks for them
    last = max((review.date for review in service.reviews), default=None)
    since = max(day for day in (last, live) if day is not None)
    return ReviewDue(cadence, add_months(since, CADENCE_MONTHS[cadence]), last, since)

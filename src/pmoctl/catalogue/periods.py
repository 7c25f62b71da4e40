"""Reporting periods of KPIs, and which readings are due. No I/O.

A KPI is read once per period of its ``frequency``: an ISO week (Monday to Sunday), a
calendar month, a calendar quarter or a calendar year. A reading covers the period its
date falls in. A period is due once it is over, so on any day the last due period is the
one before today's. Readings are owed from the first full period after the service went
live (its last recorded move to running): a service that went live mid-month owes its
first monthly reading for the next month.

Periods are numbered (weeks since 0001-01-01, a Monday; months, quarters and years since
year 0), so that counting the missed ones is arithmetic, whatever the dates in a file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pmoctl.catalogue.models.common import Stage

if TYPE_CHECKING:
    from pmoctl.catalogue.models.service import Kpi, Service

Frequency = Literal["weekly", "monthly", "quarterly", "annually"]

#: what one period of each frequency is called in messages
PERIOD_NAME: dict[str, str] = {
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "annually": "year",
}


@dataclass(frozen=True, order=True)
class Period:
    frequency: Frequency
    index: int

    @property
    def start(self) -> dt.date:
        """The first day of the period."""
        if self.frequency == "weekly":
            return dt.date.fromordinal(self.index * 7 + 1)
        months = {"monthly": 1, "quarterly": 3, "annually": 12}[self.frequency]
        year, month = divmod(self.index * months, 12)
        return dt.date(year, month + 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return Period(self.frequency, self.index + 1).start - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """2026-W48, 2026-11, 2026-Q4 or 2026: how people name the period."""
        if self.frequency == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.frequency == "monthly":
            year, month = divmod(self.index, 12)
            return f"{year}-{month + 1:02d}"
        if self.frequency == "quarterly":
            year, quarter = divmod(self.index, 4)
            return f"{year}-Q{quarter + 1}"
        return str(self.index)

    def shifted(self, by: int) -> Period:
        return Period(self.frequency, self.index + by)


def period_of(frequency: Frequency, day: dt.date) -> Period:
    if frequency == "weekly":
        return Period(frequency, (day.toordinal() - 1) // 7)
    if frequency == "monthly":
        return Period(frequency, day.year * 12 + day.month - 1)
    if frequency == "quarterly":
        return Period(frequency, day.year * 4 + (day.month - 1) // 3)
    return Period(frequency, day.year)


def last_due(frequency: Frequency, today: dt.date) -> Period:
    """The last complete period before ``today``."""
    return period_of(frequency, today).shifted(-1)


def running_since(service: Service) -> dt.date | None:
    """The date of the service's last recorded move to running, if it is running."""
    if service.lifecycle.stage is not Stage.RUNNING:
        return None
    dates = [move.date for move in service.lifecycle.moves if move.to is Stage.RUNNING]
    return dates[-1] if dates else None


@dataclass(frozen=True)
class Missed:
    """The periods a KPI owes a reading for: ``count`` of them, ``first`` to ``last``."""

    first: Period
    last: Period

    @property
    def count(self) -> int:
        return self.last.index - self.first.index + 1


def missed_readings(kpi: Kpi, since: dt.date | None, today: dt.date) -> Missed | None:
    """The periods since the latest reading (and since ``since``, the go-live) up to the
    last due one, or None when nothing is owed. Readings dated after ``today`` do not count.

    Without a go-live date, only the periods after the latest reading count; with neither,
    the last due period alone."""
    last = last_due(kpi.frequency, today)
    first = last
    if since is not None:
        first = period_of(kpi.frequency, since)
        if first.start < since:  # went live during the period: the next one is the first
            first = first.shifted(1)
    # a reading dated after today cannot stand for a period that is due now
    dates = [reading.date for reading in kpi.readings if reading.date <= today]
    if dates:
        latest = max(dates)
        after = period_of(kpi.frequency, latest).shifted(1)
        first = max(first, after) if since is not None else after
    return Missed(first, last) if first <= last else None


_PERIOD_FORMS: dict[str, str] = {
    "weekly": "2026-W48",
    "monthly": "2026-11",
    "quarterly": "2026-Q4",
    "annually": "2026",
}
_LABEL = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|W(\d{2})))?$")


def parse_period(frequency: Frequency, text: str) -> Period:
    """The period of a KPI of ``frequency`` that ``text`` names: its label (2026-W48,
    2026-11, 2026-Q4, 2026) or a day in it (YYYY-MM-DD). Raises ValueError with the reason
    when ``text`` is neither, or is the label of another frequency's period."""
    value = text.strip()
    try:
        day = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        raise ValueError(f"{value!r} is not a day that exists") from None
    if day is not None:
        if not 1900 <= day.year <= 2999:
            raise ValueError(f"{value!r} is not a day from 1900 to 2999")
        return period_of(frequency, day)
    match = _LABEL.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a period: write it as {_PERIOD_FORMS[frequency]} (a "
            f"{PERIOD_NAME[frequency]}) or as a day in it, YYYY-MM-DD"
        )
    year, month, quarter, week = match.groups()
    if not 1900 <= int(year) <= 2999:
        raise ValueError(f"{value!r} is not a period from 1900 to 2999")
    named = "monthly" if month else "quarterly" if quarter else "weekly" if week else "annually"
    if named != frequency:
        raise ValueError(
            f"{value!r} is a {PERIOD_NAME[named]}, but the KPI is reported {frequency}: "
            f"write a {PERIOD_NAME[frequency]}, e.g. {_PERIOD_FORMS[frequency]}"
        )
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"{value!r} is not a month: 01 to 12")
        return Period("monthly", int(year) * 12 + int(month) - 1)
    if quarter:
        return Period("quarterly", int(year) * 4 + int(quarter) - 1)
    if week:
        try:
            monday = dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise ValueError(f"{value!r} is not a week of {year}") from None
        return period_of("weekly", monday)
    return Period("annually", int(year))

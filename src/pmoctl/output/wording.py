"""Words for counts, closure reasons and times, shared by the rendered pages and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

#: what each closure reason of the lifecycle means, as the pages say it
CLOSURE_LABELS = {
    "end-date-reached": "End date reached",
    "objective-achieved": "Objective achieved",
    "resources-needed-elsewhere": "Resources needed elsewhere",
    "requested-by-stakeholders": "Requested by stakeholders",
    "requested-by-owner": "Requested by the service owner",
    "not-most-effective-provider": "Another provider is more effective",
    "service-level-unachievable": "Service levels cannot be met",
    "superseded": "Superseded by another service",
    "pmo-change-of-focus": "The PMO changed its focus",
}
#: what each reason for rejecting a proposal means, as the pages say it
REJECTION_LABELS = {
    "not-in-strategy": "Not in line with the strategy",
    "low-priority": "Lower priority than other requests",
    "no-capacity": "No capacity to deliver it",
    "no-funding": "No funding for it",
    "duplicate": "Another service already does this",
    "withdrawn": "Withdrawn by the requester",
}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 activity``, ``2 activities``, ``0 commits``."""
    if count == 1:
        return f"{count} {singular}"
    if plural_form is None:
        if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "o", "u"):
            plural_form = singular[:-1] + "ies"
        elif singular.endswith(("s", "x", "ch", "sh")):
            plural_form = singular + "es"
        else:
            plural_form = singular + "s"
    return f"{count} {plural_form}"


def closure_label(reason: object) -> str:
    """A closure or rejection reason as a sentence (an unknown one: hyphens made spaces)."""
    text = str(getattr(reason, "value", reason) or "")
    known = CLOSURE_LABELS.get(text) or REJECTION_LABELS.get(text)
    if known is not None:
        return known
    words = text.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def readable_time(stamp: str) -> str:
    """An ISO timestamp (git's ``%aI``) as ``2026-11-23 10:15 UTC``; other text unchanged."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.tzinfo is not None else "")

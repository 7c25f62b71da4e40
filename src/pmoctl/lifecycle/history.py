"""`pmoctl history`: a service's timeline, read from git in one pass.

Every commit that touched a service file is an event: a *move* when its message carries
a ``Service-Transition`` trailer for that service (who approved it, why, the note), a
*decision* when it carries a ``Service-Decision`` trailer (an appointment, a change
request's decision, a reading, a review: its kind and approver), an *edit* otherwise.
Service files keep their path for life (the stage is in the file, not in the folder), so
one ``git log -- path`` finds them all without ``--follow``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pmoctl import gitrepo, runtime
from pmoctl.catalogue.suggest import unknown_service
from pmoctl.errors import RepoStateError
from pmoctl.output.report import printable
from pmoctl.output.wording import plural
from pmoctl.yaml.loader import LoadError, parse, read_text
from pmoctl.yaml.yaml12 import day_of

Event = dict[str, object]


def _events(entry: gitrepo.LogEntry, services: list[str]) -> list[tuple[str, Event]]:
    """The event each of ``services`` (touched by this commit) sees in it."""
    trailers = gitrepo.parse_trailers(entry.message)
    moves = {move.service: move for move in trailers.moves} if trailers else {}
    decision = gitrepo.parse_decision(entry.message) if trailers is None else None
    decided = set(decision.services) if decision is not None else set()
    subject = entry.message.strip().splitlines()[0] if entry.message.strip() else ""
    events = []
    for service in services:
        move = moves.get(service)
        event: Event = {
            "commit": entry.commit,
            "date": entry.date,
            "author": f"{entry.author} <{entry.email}>",
            "subject": subject,
            "kind": "move" if move else "decision" if service in decided else "edit",
            # the decision's kind (appoint-owner, decide-change, ...); None for the others
            "decision": decision.kind if decision is not None and service in decided else None,
            "from": move.source if move else None,
            "to": move.target if move else None,
            "approved_by": trailers.approved_by if move and trailers else None,
            "approver_id": trailers.approver_id if move and trailers else None,
            "reason": trailers.reason if move and trailers else None,
            "note": trailers.note if move and trailers else None,
        }
        if decision is not None and service in decided:
            event.update(
                approved_by=decision.approved_by, approver_id=decision.approver_id,
                note=decision.note,
            )  # fmt: skip
        events.append((service, event))
    return events


def _services_dir(root: Path, repo: gitrepo.Repo) -> str:
    # from the catalogue's own folder: resolving services/ itself would follow a link
    prefix = repo.rel(root)
    return "services" if prefix == "." else f"{prefix}/services"


def timelines(root: Path) -> dict[str, list[Event]]:
    """Every service's events, oldest first, from one ``git log`` of the services folder.

    ``{}`` when the catalogue is not in a git repository (or has no commits yet).
    """
    try:
        repo = gitrepo.discover(root)
    except RepoStateError:
        return {}
    if repo is None:
        return {}
    folder = _services_dir(root, repo)
    result: dict[str, list[Event]] = {}
    for entry in reversed(gitrepo.log(repo, [folder])):
        touched = [
            Path(path).stem
            for path in entry.paths
            if path.endswith(".yaml") and Path(path).parent.as_posix() == folder
        ]
        for service, event in _events(entry, touched):
            result.setdefault(service, []).append(event)
    return result


def service_history(root: Path, service: str) -> dict[str, Any]:
    """One service's timeline and the time it spent in each stage (for text or JSON).

    When a stage began is the date its move records in the service file (a move made with
    ``--date``, imported or written by hand began then, not when it was committed); a
    commit's date is used only for what no recorded move dates (the first stage).
    """
    gitrepo.check_ids([service])
    repo = gitrepo.require(root)
    rel = f"{_services_dir(root, repo)}/{service}.yaml"
    entries = gitrepo.log(repo, [rel])
    events = [event for entry in reversed(entries) for _, event in _events(entry, [service])]
    file_stage, recorded = _current_lifecycle(root, service)
    _date_moves(events, recorded)
    # where the last move recorded in git left it; the file is read only when git has none
    moves = [event for event in events if event["kind"] == "move"]
    stage = str(moves[-1]["to"]) if moves else file_stage
    if not events and stage is None:
        raise unknown_service(root, service)
    return {
        "service": service,
        "path": rel,
        "stage": stage,
        "truncated": repo.shallow,
        "events": events,
        "stages": stage_periods(events, stage, recorded=recorded),
    }


#: a move as the service file records it: from, to, date
Recorded = tuple[str, str, dt.date]


def _current_lifecycle(root: Path, service: str) -> tuple[str | None, list[Recorded]]:
    """The stage and the dated moves the service file records (None, [] if unreadable)."""
    try:
        data = parse(read_text(root, f"services/{service}.yaml"))
    except LoadError:
        return None, []
    lifecycle = data.get("lifecycle")
    if not isinstance(lifecycle, dict):
        return None, []
    stage = lifecycle.get("stage")
    recorded: list[Recorded] = []
    raw_moves = lifecycle.get("moves")
    for item in raw_moves if isinstance(raw_moves, list) else []:
        source = item.get("from") if isinstance(item, dict) else None
        target = item.get("to") if isinstance(item, dict) else None
        date = day_of(item.get("date")) if isinstance(item, dict) else None
        if not (isinstance(source, str) and isinstance(target, str) and date is not None):
            return (stage if isinstance(stage, str) else None), []  # validate reports it
        recorded.append((source, target, date))
    return (stage if isinstance(stage, str) else None), recorded


def _date_moves(events: list[Event], recorded: list[Recorded]) -> None:
    """Give each move event of git the date of the recorded move it made (``move_date``):
    matched in order, so that moves recorded without a commit of their own are skipped."""
    start = 0
    for event in events:
        if event["kind"] != "move":
            continue
        for index in range(start, len(recorded)):
            source, target, date = recorded[index]
            if (source, target) == (event["from"], event["to"]):
                event["move_date"] = date.isoformat()
                start = index + 1
                break


def stage_periods(
    events: list[Event], stage: str | None, now: dt.datetime | None = None,
    *, recorded: list[Recorded] | None = None,
) -> list[dict[str, object]]:  # fmt: skip
    """Consecutive periods in each stage, from the first commit of the file to now.

    With ``recorded`` moves (the service file's), the stages and their start dates are
    those moves; the commits' dates only start the first stage.
    """
    if recorded:
        return _recorded_periods(events, recorded, now)
    if not events:
        return []
    now = now or runtime.now()
    periods: list[dict[str, object]] = []
    since = _when(events[0])
    current: str | None = None
    for event in events:
        if event["kind"] != "move":
            continue
        when = _when(event)
        periods.append(_period(str(event["from"]), since, when))
        since, current = when, str(event["to"])
    last = current or stage
    if last is not None:
        periods.append(_period(last, since, None, now))
    return periods


def _recorded_periods(
    events: list[Event], recorded: list[Recorded], now: dt.datetime | None
) -> list[dict[str, object]]:
    now = now or runtime.now()
    starts = [dt.datetime.combine(date, dt.time(), dt.UTC) for _, _, date in recorded]
    # the first stage began the day the file was first committed, unless a move predates it
    # (days, like the moves' dates)
    first = dt.datetime.combine(_when(events[0]).date(), dt.time(), dt.UTC) if events else None
    since = min(first, starts[0]) if first is not None else starts[0]
    periods: list[dict[str, object]] = []
    for (source, _, _), when in zip(recorded, starts, strict=True):
        periods.append(_period(source, since, when))
        since = when
    periods.append(_period(recorded[-1][1], since, None, now))
    return periods


def _when(event: Event) -> dt.datetime:
    return dt.datetime.fromisoformat(str(event["date"]))


def _period(
    stage: str, since: dt.datetime, until: dt.datetime | None, now: dt.datetime | None = None
) -> dict[str, object]:
    end = until or now or runtime.now()
    return {
        "stage": stage,
        "since": since.isoformat(),
        "until": until.isoformat() if until else None,
        "days": max(0, (end - since).days),
    }


def history_text(result: dict[str, Any]) -> str:
    """The timeline as lines for a terminal (every user-written value escaped)."""
    events: list[Event] = result["events"]

    lines = [
        f"{printable(result['service'])} ({printable(result['path'])}): "
        f"{plural(len(events), 'commit')}"
    ]
    if result["truncated"]:
        lines.append(
            "warning: history is truncated: this is a shallow clone "
            "(git fetch --unshallow gets all of it)"
        )
    for event in events:
        day = str(event.get("move_date") or event["date"])[:10]
        short = str(event["commit"])[:10]
        if event["kind"] == "move":
            move = f"{event['from']} -> {event['to']}"
            lines.append(f"{day}  {short}  move  {printable(move)}")
            lines.append(f"      approved by {printable(str(event['approved_by']))}")
            lines.append(f"      by {printable(str(event['author']))}")
            if event["reason"]:
                lines.append(f"      reason: {printable(str(event['reason']))}")
            if event["note"]:
                note = str(event["note"]).splitlines()
                lines.append(f"      note: {printable(note[0])}")
                lines.extend(f"            {printable(line)}" for line in note[1:])
        elif event["kind"] == "decision":
            lines.append(f"{day}  {short}  decision  {printable(str(event['subject']))}")
            if event["approved_by"]:
                lines.append(f"      approved by {printable(str(event['approved_by']))}")
            lines.append(f"      by {printable(str(event['author']))}")
        else:
            lines.append(f"{day}  {short}  edit  {printable(str(event['subject']))}")
            lines.append(f"      by {printable(str(event['author']))}")
    if result["stages"]:
        lines.append("")
        lines.append("time in each stage:")
        for period in result["stages"]:
            until = str(period["until"])[:10] if period["until"] else "now"
            # the stage of a service without recorded moves is read from its file, unchecked
            lines.append(
                f"  {printable(str(period['stage'])):<10} {period['days']:>5} days  "
                f"({str(period['since'])[:10]} to {until})"
            )
    return "\n".join(lines)

"""`pmoctl history`: a service's timeline, read from git in one pass.

Every commit that touched a service file is an event: a *move* when its message carries
a ``Service-Transition`` trailer for that service (who approved it, why, the note), an
*edit* otherwise. Service files keep their path for life (the stage is in the file, not
in the folder), so one ``git log -- path`` finds them all without ``--follow``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pmoctl import gitrepo
from pmoctl.errors import RepoStateError

Event = dict[str, object]


def _events(entry: gitrepo.LogEntry, services: list[str]) -> list[tuple[str, Event]]:
    """The event each of ``services`` (touched by this commit) sees in it."""
    trailers = gitrepo.parse_trailers(entry.message)
    moves = {move.service: move for move in trailers.moves} if trailers else {}
    subject = entry.message.strip().splitlines()[0] if entry.message.strip() else ""
    events = []
    for service in services:
        move = moves.get(service)
        event: Event = {
            "commit": entry.commit,
            "date": entry.date,
            "author": f"{entry.author} <{entry.email}>",
            "subject": subject,
            "kind": "move" if move else "edit",
            "from": move.source if move else None,
            "to": move.target if move else None,
            "approved_by": trailers.approved_by if move and trailers else None,
            "approver_id": trailers.approver_id if move and trailers else None,
            "reason": trailers.reason if move and trailers else None,
            "note": trailers.note if move and trailers else None,
        }
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
    """One service's timeline and the time it spent in each stage (for text or JSON)."""
    gitrepo.check_ids([service])
    repo = gitrepo.require(root)
    rel = f"{_services_dir(root, repo)}/{service}.yaml"
    entries = gitrepo.log(repo, [rel])
    events = [event for entry in reversed(entries) for _, event in _events(entry, [service])]
    # where the last move recorded in git left it; the file is read only when git has none
    moves = [event for event in events if event["kind"] == "move"]
    stage = str(moves[-1]["to"]) if moves else _current_stage(root, service)
    if not events and stage is None:
        from pmoctl.suggest import unknown_service

        raise unknown_service(root, service)
    return {
        "service": service,
        "path": rel,
        "stage": stage,
        "truncated": repo.shallow,
        "events": events,
        "stages": stage_periods(events, stage),
    }


def _current_stage(root: Path, service: str) -> str | None:
    from pmoctl.yaml.loader import LoadError, parse, read_text

    try:
        data = parse(read_text(root, f"services/{service}.yaml"))
    except LoadError:
        return None
    lifecycle = data.get("lifecycle")
    stage = lifecycle.get("stage") if isinstance(lifecycle, dict) else None
    return stage if isinstance(stage, str) else None


def stage_periods(
    events: list[Event], stage: str | None, now: dt.datetime | None = None
) -> list[dict[str, object]]:
    """Consecutive periods in each stage, from the first commit of the file to now."""
    if not events:
        return []
    now = now or dt.datetime.now(dt.UTC)
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


def _when(event: Event) -> dt.datetime:
    return dt.datetime.fromisoformat(str(event["date"]))


def _period(
    stage: str, since: dt.datetime, until: dt.datetime | None, now: dt.datetime | None = None
) -> dict[str, object]:
    end = until or now or dt.datetime.now(dt.UTC)
    return {
        "stage": stage,
        "since": since.isoformat(),
        "until": until.isoformat() if until else None,
        "days": max(0, (end - since).days),
    }


def history_text(result: dict[str, Any]) -> str:
    """The timeline as lines for a terminal (every user-written value escaped)."""
    from pmoctl.output.report import printable

    events: list[Event] = result["events"]
    from pmoctl.wording import plural

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
        day = str(event["date"])[:10]
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

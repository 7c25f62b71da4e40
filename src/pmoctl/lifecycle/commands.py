"""The bodies of `pmoctl transition` and `pmoctl history`, and a typer-free way in for plain
command lines.

typer 0.29 builds a pydantic TypeAdapter for every option of a command, which imports
pydantic's schema machinery and ``importlib.metadata`` (for pydantic's plugins): about
200 ms of CPU for `history`, which otherwise needs no pydantic at all, and 60-100 ms for
`transition`. :func:`run_plain` answers a plain command line of either command without
typer; anything else (``--help``, a mistake, an unknown or repeated option, a value that
looks like an option) returns None and goes through the full CLI, which reports it. Both
ways call the same :func:`transition_command` / :func:`history_command`, so output and
exit codes are the same (``tests/test_lifecycle_commands.py`` runs both).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pmoctl.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, PmoctlError, UserError
from pmoctl.output import report

STAGES = ("proposed", "design", "pilot", "transition", "running", "closing", "closed")
ROLLOUTS = ("phased", "big-bang")
VIEW_FORMATS = ("text", "json")


def print_refusal(problem: PmoctlError) -> None:
    """Findings of a refused move, and the output of a failed git command, before the error."""
    for finding in getattr(problem, "findings", ()):
        report.error_line(report.text_line(finding), finding.hint)
    output = getattr(problem, "stderr", "")
    if output:
        report.error_line(output)


def _root(catalogue: Path | None) -> Path:
    from pmoctl.catalogue.files import find_root

    return find_root(catalogue or Path.cwd())


def transition_command(
    services: Sequence[str], *, to: str, approved_by: str, reason: str | None = None,
    note: str | None = None, rollout: str | None = None, readiness: str | None = None,
    success_criteria_met: bool = False, kept: Sequence[str] = (),
    discarded: Sequence[str] = (), date: str | None = None, dry_run: bool = False,
    allow_detached: bool = False, catalogue: Path | None = None,
) -> int:  # fmt: skip
    """`pmoctl transition` once its options are read (see its --help)."""
    import datetime as dt

    from pmoctl.lifecycle.transition import Evidence, transition

    try:
        when = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise UserError(f"--date {date!r} is not a date", hint="write YYYY-MM-DD") from None
    evidence = Evidence(
        reason=reason,
        note=note,
        rollout=rollout,
        readiness=readiness,
        success_criteria_met=success_criteria_met,
        kept=tuple(kept),
        discarded=tuple(discarded),
        date=when,
    )
    try:
        outcome = transition(
            _root(catalogue), list(services), target=to, approver_id=approved_by,
            evidence=evidence, dry_run=dry_run, allow_detached=allow_detached, prefetch=True,
        )  # fmt: skip
    except PmoctlError as problem:
        print_refusal(problem)
        raise
    for line in outcome.recovered:
        report.error_line(f"recovered: {line}")
    if dry_run:
        report.info(outcome.diff.rstrip("\n"))
        report.error_line("dry run: nothing was changed")
        return EXIT_OK
    for move in outcome.moves:
        report.info(f"{move.service}: {move.source.value} -> {outcome.target.value}")
    report.info(f"committed {(outcome.commit or '')[:12]}")
    return EXIT_OK


def history_command(
    service: str, *, output_format: str = "text", catalogue: Path | None = None
) -> int:
    """`pmoctl history` once its options are read (see its --help)."""
    from pmoctl.lifecycle.history import history_text, service_history

    result = service_history(_root(catalogue), service)
    if output_format == "json":
        report.write_json(result)
    else:
        report.info(history_text(result))
    return EXIT_OK


# --- plain command lines without typer ------------------------------------------------

#: option -> (keyword, choices or None); a value is required
_VALUES: dict[str, dict[str, tuple[str, tuple[str, ...] | None]]] = {
    "transition": {
        "--to": ("to", STAGES),
        "--approved-by": ("approved_by", None),
        "--reason": ("reason", None),
        "--note": ("note", None),
        "--rollout": ("rollout", ROLLOUTS),
        "--readiness": ("readiness", None),
        "--kept": ("kept", None),
        "--discarded": ("discarded", None),
        "--date": ("date", None),
        "--catalogue": ("catalogue", None),
        "-C": ("catalogue", None),
    },
    "history": {
        "--format": ("output_format", VIEW_FORMATS),
        "-f": ("output_format", VIEW_FORMATS),
        "--catalogue": ("catalogue", None),
        "-C": ("catalogue", None),
    },
}
_FLAGS = {
    "transition": {
        "--success-criteria-met": "success_criteria_met",
        "--dry-run": "dry_run",
        "--allow-detached": "allow_detached",
    },
    "history": {},
}
_REPEATABLE = {"kept", "discarded"}
_REQUIRED = {"transition": ("to", "approved_by"), "history": ()}


def parse_plain(argv: Sequence[str]) -> tuple[str, dict[str, Any], bool] | None:
    """``(command, keyword arguments, debug)`` of a plain `transition` or `history`
    command line, or None for anything the full CLI should read."""
    debug = False
    at = 0
    while at < len(argv) and argv[at] in ("--no-color", "--debug"):
        debug = debug or argv[at] == "--debug"
        at += 1
    if at >= len(argv) or argv[at] not in _VALUES:
        return None
    command = argv[at]
    values, flags = _VALUES[command], _FLAGS[command]
    options: dict[str, Any] = {"output_format": "text"} if command == "history" else {}
    seen: set[str] = set()
    positional: list[str] = []
    rest = list(argv[at + 1 :])
    index = 0
    while index < len(rest):
        token = rest[index]
        index += 1
        if not token.startswith("-"):
            positional.append(token)
            continue
        name, equals, value = token.partition("=")
        if name in flags and not equals:
            if flags[name] in seen:
                return None
            seen.add(flags[name])
            options[flags[name]] = True
            continue
        if name not in values or (equals and not name.startswith("--")):
            return None  # --help, -h, --, an unknown option, -Cdir: the full CLI reads them
        if not equals:
            if index >= len(rest):
                return None
            value = rest[index]
            index += 1
        keyword, choices = values[name]
        if not value or value.startswith("-") or (choices and value not in choices):
            return None
        if keyword in _REPEATABLE:
            options.setdefault(keyword, []).append(value)
        elif keyword in seen:
            return None
        else:
            options[keyword] = Path(value) if keyword == "catalogue" else value
        seen.add(keyword)
    if any(keyword not in options for keyword in _REQUIRED[command]):
        return None
    if command == "history":
        if len(positional) != 1:
            return None
        options["service"] = positional[0]
    elif positional:
        options["services"] = positional
    else:
        return None
    return command, options, debug


def run_plain(argv: Sequence[str]) -> int | None:
    """The exit code of a plain `transition` or `history` command line run without typer,
    or None when the full CLI must read it. Errors are reported as `pmoctl.cli.run` does."""
    parsed = parse_plain(argv)
    if parsed is None:
        return None
    command, options, debug = parsed
    body: Callable[..., int]
    if command == "transition":
        services = options.pop("services")
        body = transition_command
    else:
        services = options.pop("service")
        body = history_command
    return guarded(lambda: body(services, **options), debug=debug)


def guarded(call: Callable[[], int], *, debug: bool) -> int:
    """Run a command with pmoctl's exit-code contract (as `pmoctl.cli.run`)."""
    try:
        code = call()
        sys.stdout.flush()
    except KeyboardInterrupt:
        report.error("interrupted")
        return EXIT_INTERRUPTED
    except PmoctlError as problem:
        report.error(problem.message, problem.hint)
        return problem.exit_code
    except BrokenPipeError:
        return EXIT_OK
    except Exception as bug:
        if debug:
            import traceback

            traceback.print_exc()
        else:
            report.internal_error(bug)
        return EXIT_INTERNAL
    return code

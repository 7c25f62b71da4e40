"""The body of `pmoctl transition` once its options are read, and how a refusal is shown."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pmoctl.catalogue.files import find_root
from pmoctl.errors import EXIT_OK, PmoctlError, UserError
from pmoctl.lifecycle.transition import Evidence, transition
from pmoctl.output import report


def print_refusal(problem: PmoctlError) -> None:
    """Findings of a refused move, and the output of a failed git command, before the error."""
    for finding in getattr(problem, "findings", ()):
        report.error_line(report.text_line(finding), finding.hint)
    output = getattr(problem, "stderr", "")
    if output:
        report.error_line(output)


def _root(catalogue: Path | None) -> Path:
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
            evidence=evidence, dry_run=dry_run, allow_detached=allow_detached,
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
    for line in outcome.notes:
        report.error_line(f"note: {line}")
    return EXIT_OK

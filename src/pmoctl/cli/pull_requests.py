"""Commands for reviewing pull requests: check (the CI gate), codeowners, signers, verify."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmoctl.cli.common import (
    CatalogueOption,
    FailOn,
    FailOnOption,
    FormatOption,
    Settings,
    app,
    catalogue_root,
    fails,
)
from pmoctl.errors import EXIT_OK
from pmoctl.output import report
from pmoctl.output.report import Format
from pmoctl.output.text import printable


@app.command()
def check(
    *,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="The branch the pull request goes into (default: $GITHUB_BASE_REF or "
            "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME as origin/<branch>, else origin/main, "
            "else main).",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
    output_format: FormatOption = Format.text,
    fail_on: FailOnOption = FailOn.error,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Worker processes (0: one per core on big catalogues)."),
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ignore and do not write the cache.")
    ] = False,
) -> int:
    """Check a pull request: validate the catalogue, then every change since the merge-base.

    Each stage change must be its own commit made by `pmoctl transition` (trailers that
    match the file), an allowed step with its evidence, approved by someone who held the
    right role at that commit. Deleted and renamed services are reported. Needs the full
    history (exit 3 in a shallow clone: use fetch-depth: 0). With --format github it also
    writes a Markdown summary to $GITHUB_STEP_SUMMARY.
    """
    from pmoctl.lifecycle.check import check as check_catalogue

    result = check_catalogue(
        catalogue_root(catalogue), base, jobs=jobs or None, use_cache=not no_cache
    )
    report.write_check(
        result.findings, output_format.value, files=result.files, changes=result.changes(),
        no_colour=Settings.no_colour, path_prefix=result.prefix,
    )  # fmt: skip
    return int(fails([f.severity.value for f in result.findings], fail_on))


@app.command()
def codeowners(
    catalogue: CatalogueOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write (default: .github/CODEOWNERS at the repository's top).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is out of date.")
    ] = False,
) -> int:
    """Write CODEOWNERS: each service file to its owner and managers, the handbook and the
    strategy to their owners (handles from organisation.yaml), so that branch protection
    asks the right people to review every change."""
    from pmoctl.lifecycle import codeowners as owners

    root = catalogue_root(catalogue)
    target = out if out is not None else owners.default_path(root)
    ownership = owners.build(root, target)
    for note in ownership.notes:
        report.info(f"pmoctl: note: {report.printable(note)}", stream=sys.stderr)
    return _write_generated(root, target, ownership.text, check=check, command="pmoctl codeowners")


@app.command()
def signers(
    catalogue: CatalogueOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write (default: .github/allowed_signers at the repository's top).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is out of date.")
    ] = False,
) -> int:
    """Write git's allowed-signers file from the signing keys in organisation.yaml: each
    key with its person's id and git e-mail, valid from `since` to `until`, for `git
    verify-commit` and for checking a decision by hand with `ssh-keygen -Y verify`."""
    from pmoctl.lifecycle import signers as allowed

    root = catalogue_root(catalogue)
    target = out if out is not None else allowed.default_path(root)
    text = allowed.build(root)
    return _write_generated(root, target, text, check=check, command="pmoctl signers")


class VerifyFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def verify(
    catalogue: CatalogueOption = None,
    output_format: Annotated[
        VerifyFormat,
        typer.Option("--format", "-f", help="text for a terminal, json for programs."),
    ] = VerifyFormat.text,
) -> int:
    """Verify the signature of every decision in the whole history of every service.

    Each decision ever recorded (moves, appointments, change request decisions, KPI
    readings, reviews) is checked as `pmoctl check` checks a pull request's: its signature
    made by a key registered for its approver on its date (organisation.yaml as it was
    then), over the record and the service file before it. An unsigned decision is a
    finding only where pmoctl.yaml asked for signatures of its kind at that commit. Exit 1
    on any finding; 3 when ssh-keygen is missing or the clone is shallow.
    """
    from pmoctl.errors import EXIT_FINDINGS
    from pmoctl.lifecycle.verify import verify as verify_history
    from pmoctl.output.text import text_line

    result = verify_history(catalogue_root(catalogue))
    if output_format is VerifyFormat.json:
        report.write_json(result.as_data())
    else:
        for finding in result.findings:
            report.info(text_line(finding))
            if finding.hint:
                report.info(f"    hint: {printable(finding.hint)}")
        for kind, (signed, unsigned) in sorted(result.kinds.items()):
            report.info(f"{kind}: {signed} signed, {unsigned} unsigned")
        report.info(
            f"{result.signed} signed decision(s) and {result.unsigned} unsigned in "
            f"{result.services} service(s): "
            + (f"{len(result.findings)} problem(s)" if result.findings else "all verified")
        )
    return EXIT_FINDINGS if result.findings else EXIT_OK


def _write_generated(root: Path, target: Path, text: str, *, check: bool, command: str) -> int:
    """Write a file generated from the catalogue (or, with ``check``, say whether it is stale)."""
    from pmoctl.errors import EXIT_FINDINGS
    from pmoctl.lifecycle import codeowners as owners

    diff = owners.stale_diff(target, text)
    shown = printable(str(target))
    if check:
        if diff is None:
            report.info(f"up to date: {shown}")
            return EXIT_OK
        report.info("\n".join(printable(line) for line in diff.rstrip("\n").split("\n")))
        report.error(f"{shown} is out of date", f"run `{command}` and commit the file")
        return EXIT_FINDINGS
    if diff is not None:
        owners.write(root, target, text)
    report.info(f"{'wrote' if diff is not None else 'up to date'}: {shown}")
    return EXIT_OK

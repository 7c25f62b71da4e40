"""Commands for reviewing pull requests: check (the CI gate) and codeowners."""

from __future__ import annotations

import sys
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
    from pmoctl.errors import EXIT_FINDINGS
    from pmoctl.lifecycle import codeowners as owners

    root = catalogue_root(catalogue)
    target = out if out is not None else owners.default_path(root)
    ownership = owners.build(root, target)
    for note in ownership.notes:
        report.info(f"pmoctl: note: {report.printable(note)}", stream=sys.stderr)
    diff = owners.stale_diff(target, ownership.text)
    if check:
        if diff is None:
            report.info(f"up to date: {target}")
            return EXIT_OK
        report.info(diff.rstrip("\n"))
        report.error(f"{target} is out of date", "run `pmoctl codeowners` and commit the file")
        return EXIT_FINDINGS
    if diff is not None:
        owners.write(root, target, ownership.text)
    report.info(f"{'wrote' if diff is not None else 'up to date'}: {printable(str(target))}")
    return EXIT_OK

"""Commands about checking the catalogue: validate, rules, explain, schema."""

from __future__ import annotations

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
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help=(
                "A catalogue folder, or files in one "
                "(default: the catalogue around the current folder)."
            ),
            show_default=False,
            readable=False,  # an unreadable file is a finding, a folder exit 3: pmoctl says which
        ),
    ] = None,
    *,
    output_format: FormatOption = Format.text,
    fail_on: FailOnOption = FailOn.error,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Processes that load the files, this one included (0: one per core on large "
            "catalogues).",
        ),
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ignore and do not write the cache.")
    ] = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Check the catalogue and report every problem, with file, line and column."""
    from pmoctl.api import resolve_targets
    from pmoctl.catalogue.files import repo_prefix
    from pmoctl.rules.results import cached_result

    root, only = resolve_targets(paths or [], catalogue)
    # an unchanged catalogue is answered without loading the models, parser or rules
    result = None if no_cache else cached_result(root, only=only)
    if result is None:
        from pmoctl.rules.validate import validate_catalogue

        result = validate_catalogue(root, only=only, jobs=jobs or None, use_cache=not no_cache)

    report.write_findings(
        result.findings,
        output_format.value,
        files=result.files,
        no_colour=Settings.no_colour,
        path_prefix=repo_prefix(root),
    )
    return int(fails([f.severity.value for f in result.findings], fail_on))


@app.command()
def rules(output_format: FormatOption = Format.text) -> int:
    """List every rule with its id, default severity and summary."""
    from pmoctl.api import rules_listing

    report.info(rules_listing(as_json=output_format is Format.json))
    return EXIT_OK


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. RACI-ACCOUNTABLE.")],
) -> int:
    """Explain one rule: what it checks, why, and how to fix a finding."""
    from pmoctl.api import explain_rule

    report.info(explain_rule(rule_id))
    return EXIT_OK


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option(help="Folder to write into (default: schemas/ in the catalogue).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the files there differ from the models.")
    ] = False,
) -> int:
    """Write one JSON Schema per document kind, for editor completion and CI."""
    from pmoctl.api import write_schemas

    target = out if out is not None else catalogue_root(None) / "schemas"
    stale = write_schemas(target, check=check)
    for name in stale:
        report.info(f"{'stale' if check else 'wrote'}: {printable(str(target / name))}")
    return int(check and bool(stale))

"""Commands that write new, valid files: init, new service, new procedure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pmoctl.cli.common import CatalogueOption, app
from pmoctl.errors import EXIT_OK
from pmoctl.output import report
from pmoctl.output.text import printable

new_app = typer.Typer(
    help="Write a new service or procedure file that validates.", no_args_is_help=True
)
app.add_typer(new_app, name="new")

NameOption = Annotated[
    str | None,
    typer.Option(
        "--name", help="The display name (default: made from the id).", show_default=False
    ),
]


def _report_written(root: Path, files: list[str]) -> None:
    for rel in files:
        report.info(f"wrote: {printable(str(root / rel))}")


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="The folder of the new catalogue (made if it does not exist).")
    ] = Path("."),
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The organisation's name (default: from the folder's name).",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Start a new catalogue: pmoctl.yaml, organisation, strategy, handbook, one service,
    one procedure and the JSON Schemas, all valid, and .vscode/settings.json for editors
    (unless one exists). Runs `git init` unless DIRECTORY is already inside a git
    repository. Refuses a folder that already holds catalogue files."""
    from pmoctl.catalogue.scaffold import init_catalogue

    written = init_catalogue(directory, name=name)
    _report_written(written.root, written.files)
    for note in written.notes:
        report.info(note)
    if written.git_initialised:
        report.info(f"initialised a git repository in {written.root}")
    report.info("next: edit organisation.yaml (your PMOs and people), then `pmoctl validate`")
    return EXIT_OK


IdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="The new id, also the file name: lower-case letters, digits and hyphens.",
        show_default=False,
    ),
]


@new_app.command("service")
def new_service(
    ident: IdArgument,
    name: NameOption = None,
    pmo: Annotated[
        str | None,
        typer.Option(
            "--pmo",
            help="The PMO that delivers it (default: the first in organisation.yaml).",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
) -> int:
    """Write services/ID.yaml: a proposed service that validates. Never overwrites."""
    from pmoctl.catalogue.scaffold import new_document

    written = new_document("service", ident, catalogue=catalogue, name=name, pmo=pmo)
    _report_written(written.root, written.files)
    return EXIT_OK


@new_app.command("procedure")
def new_procedure(
    ident: IdArgument, name: NameOption = None, catalogue: CatalogueOption = None
) -> int:
    """Write procedures/ID.yaml: a handbook procedure with one activity and its RACI.
    Never overwrites."""
    from pmoctl.catalogue.scaffold import new_document

    written = new_document("procedure", ident, catalogue=catalogue, name=name)
    _report_written(written.root, written.files)
    return EXIT_OK

"""The render command: the catalogue, handbook and strategy as a static site or Markdown."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmoctl.cli.common import CatalogueOption, app, catalogue_root
from pmoctl.errors import EXIT_OK
from pmoctl.output import report
from pmoctl.output.text import printable
from pmoctl.output.wording import plural
from pmoctl.render.sitemap import Section


class RenderFormat(StrEnum):
    html = "html"
    markdown = "markdown"
    pdf = "pdf"


@app.command()
def render(
    *,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write into (created if needed).")
    ],
    render_format: Annotated[
        RenderFormat,
        typer.Option(
            "--format",
            "-f",
            help="html: a static site; markdown: for GitHub, GitLab or MkDocs; pdf: the "
            "operations handbook as OUT/handbook.pdf (needs pip install 'pmoctl[pdf]').",
        ),
    ] = RenderFormat.html,
    only: Annotated[
        Section | None,
        typer.Option("--only", help="Render one part only.", show_default=False),
    ] = None,
    catalogue: CatalogueOption = None,
    allow_invalid: Annotated[
        bool,
        typer.Option("--allow-invalid", help="Render what validated even if there are errors."),
    ] = False,
    timestamp: Annotated[
        bool, typer.Option("--timestamp", help="Put the time of rendering in the page footers.")
    ] = False,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Leave out the timelines read from git.")
    ] = False,
) -> int:
    """Render the service catalogue, the operations handbook and the strategy.

    The output is deterministic (byte-identical for the same catalogue, unless --timestamp)
    and only files whose content changed are written. A catalogue with errors is refused
    (exit 1) unless --allow-invalid. Templates can be overridden from the catalogue: see
    docs/render.md.
    """
    from datetime import UTC, datetime

    from pmoctl.render.site import render_site

    root = catalogue_root(catalogue)
    if render_format is RenderFormat.pdf:
        return _handbook_pdf(root, out, only, allow_invalid=allow_invalid)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC") if timestamp else None
    result = render_site(
        root,
        out,
        render_format.value,  # type: ignore[arg-type]  # pdf went to _handbook_pdf
        only.value if only else None,
        allow_invalid=allow_invalid,
        timestamp=stamp,
        with_history=not no_history,
    )
    errors = sum(1 for f in result.findings if f.severity.value == "error")
    if errors:  # --allow-invalid: said, as the site shows less than the catalogue holds
        report.error(
            f"rendered although the catalogue has {plural(errors, 'error')}",
            "`pmoctl validate` lists them",
        )
    elif result.findings:
        report.error_line(
            f"note: {plural(len(result.findings), 'warning')} (`pmoctl validate` lists them)"
        )
    report.info(
        f"{printable(str(out))}: {len(result.written)} written, {len(result.unchanged)} unchanged"
        + (f", {len(result.removed)} removed" if result.removed else "")
    )
    return EXIT_OK


def _handbook_pdf(root: Path, out: Path, only: Section | None, *, allow_invalid: bool) -> int:
    from pmoctl.api import render_pdf
    from pmoctl.errors import UserError

    if only not in (None, Section.HANDBOOK):
        raise UserError(
            f"--format pdf renders the operations handbook, not the {only}",
            hint="leave out --only, or render the html or markdown format",
        )
    target = render_pdf(root, out, allow_invalid=allow_invalid)
    report.info(f"wrote {printable(str(target))}")
    return EXIT_OK

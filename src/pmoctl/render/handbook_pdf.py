"""`pmoctl render --format pdf`: the operations handbook as one PDF, for board papers.

The handbook page of the HTML site (pmoctl's own template, with the site's style sheet)
laid out for print by :mod:`pmoctl.render.pdf`: A4 landscape (RACI tables are wide), the
site's header and navigation left out, page numbers in the margin.
"""

from __future__ import annotations

from pathlib import Path

from pmoctl.render.context import build
from pmoctl.render.environment import builtin_templates, make_environment
from pmoctl.render.pack import output_folder
from pmoctl.render.pages import plan, render_one
from pmoctl.render.pdf import pdf_bytes
from pmoctl.render.site import check_catalogue, common_variables
from pmoctl.render.sitemap import Section

PRINT_CSS = """
@page { size: A4 landscape; margin: 14mm 12mm 16mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }
.site-header, .skip-link, .site-nav, .filter, script { display: none !important; }
body { font-size: 10pt; background: white; }
details > summary { list-style: none; }
details { display: block; }
* { overflow: visible !important; max-height: none !important; }
table { font-size: 8pt; width: 100% !important; min-width: 0 !important; }
th, td { padding: 2px 4px !important; }
tr { break-inside: avoid; }
"""


def handbook_html(root: Path, *, allow_invalid: bool = False) -> str:
    """The handbook page as the HTML site has it (no timelines: the handbook has none)."""
    catalogue, _ = check_catalogue(root, allow_invalid)
    site = build(catalogue, "html", {})
    env = make_environment("html", None)
    (page,) = plan(site, "html", Section.HANDBOOK.value)
    return render_one(env, page, common_variables(site, "html", None), root).decode("utf-8")


def write_handbook_pdf(root: Path, out: Path, *, allow_invalid: bool = False) -> Path:
    """``handbook.pdf`` in the folder ``out``; returns its path."""
    html = handbook_html(root, allow_invalid=allow_invalid)
    style = (builtin_templates() / "html" / "static" / "style.css").read_text(encoding="utf-8")
    data = pdf_bytes(html, (style, PRINT_CSS))
    folder = output_folder(root, out)
    target = folder / "handbook.pdf"
    temporary = folder / ".handbook.pdf.pmoctl.tmp"
    temporary.unlink(missing_ok=True)
    try:
        with temporary.open("xb") as file:
            file.write(data)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return target

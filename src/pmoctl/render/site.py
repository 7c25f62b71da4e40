"""`pmoctl render`: the catalogue, the handbook and the strategy as a static site or Markdown.

One run: load and validate the catalogue (refused with errors unless ``allow_invalid``),
build the template context once (:mod:`pmoctl.render.context`), make one sandboxed Jinja
environment (:mod:`pmoctl.render.environment`), render the planned pages
(:mod:`pmoctl.render.pages`, in worker processes on a large site) and write the files
that changed (:mod:`pmoctl.render.output`).

Everything from the YAML is data; a template typo is an error naming the template and
line. A catalogue may override or add templates (``render.templates`` in pmoctl.yaml):
those are untrusted and run sandboxed, under a time limit and a page-size cap. CI should
render with templates from the base branch.

Output is deterministic; a file is written only when its bytes change, and files pmoctl
wrote before (listed in ``.pmoctl-render.json``) that are no longer produced are removed.
Nothing else in the output folder is touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pmoctl.catalogue import lifecycle
from pmoctl.catalogue.files import COLLECTIONS, Catalogue
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.rag import rag_of
from pmoctl.errors import RefusedError, UserError
from pmoctl.findings import Finding, Severity
from pmoctl.lifecycle import history
from pmoctl.render import output
from pmoctl.render.context import SiteContext, build
from pmoctl.render.environment import EXTENSION, Format, RenderTemplateError, make_environment
from pmoctl.render.helpers import Diagrams
from pmoctl.render.output import MANIFEST, RenderResult
from pmoctl.render.pages import plan, render_pages
from pmoctl.render.sitemap import SECTIONS, navigation
from pmoctl.rules.engine import check_all
from pmoctl.rules.settings import templates_folder_problem
from pmoctl.runtime import gc_paused

__all__ = [
    "MANIFEST",
    "SECTIONS",
    "Format",
    "RenderResult",
    "RenderTemplateError",
    "check_catalogue",
    "history_of",
    "render_site",
]


def check_catalogue(root: Path, allow_invalid: bool) -> tuple[Catalogue, list[Finding]]:
    """Load and validate; refuse to render a catalogue with errors unless allowed."""
    catalogue, findings = check_all(root)
    errors = sum(1 for finding in findings if finding.severity is Severity.ERROR)
    if errors and not allow_invalid:
        raise RefusedError(
            f"the catalogue has {errors} error{'s' if errors != 1 else ''}; nothing was rendered",
            hint="run `pmoctl validate` and fix them, "
            "or pass --allow-invalid to render what validated",
        )
    return catalogue, findings


def history_of(root: Path) -> dict[str, Any]:
    """Each service's git timeline (nothing outside a git repository)."""
    timelines: dict[str, Any] = history.timelines(root)
    return timelines


def render_site(
    root: Path,
    out: Path,
    fmt: Format = "html",
    only: str | None = None,
    *,
    allow_invalid: bool = False,
    timestamp: str | None = None,
    with_history: bool = True,
) -> RenderResult:
    """Render the catalogue at ``root`` into ``out``; see the module docstring."""
    if fmt not in EXTENSION:
        raise UserError(f"unknown format {fmt!r}", hint="use html or markdown")
    if only is not None and only not in SECTIONS:
        raise UserError(f"unknown section {only!r}", hint="use " + ", ".join(SECTIONS))
    root, out = root.absolute(), out.absolute()
    if out == root or root in out.parents and out.relative_to(root).parts[0] in COLLECTIONS:
        raise UserError(
            f"{out} is inside the catalogue's own files", hint="render into another folder"
        )
    with gc_paused():
        catalogue, findings = check_catalogue(root, allow_invalid)
        return _render_loaded(
            root,
            out,
            fmt,
            only,
            catalogue=catalogue,
            findings=findings,
            timestamp=timestamp,
            with_history=with_history,
        )


def common_variables(site: SiteContext, fmt: Format, timestamp: str | None) -> dict[str, Any]:
    """What every page's template sees besides its own variables."""
    return {
        "site": site,
        "diagrams": Diagrams(site, fmt),
        "format": fmt,
        "generated": timestamp,
        "stages": [stage.value for stage in Stage],
        "moves": lifecycle.MOVES,
        "rag_of": rag_of,
        "nav": navigation(EXTENSION[fmt]),
    }


def _templates_folder(root: Path, catalogue: Catalogue) -> Path | None:
    """The catalogue's own templates (``render.templates``), which must be inside it."""
    config = catalogue.config
    if config is None or not config.render.templates:
        return None

    # validate reports this (CONFIG-TEMPLATES); it is checked again for --allow-invalid
    problem = templates_folder_problem(root, config.render.templates)
    if problem:
        raise UserError(
            f"render.templates: the folder {config.render.templates!r} {problem}",
            hint="name a folder inside the catalogue, or remove the setting",
        )
    return (root / config.render.templates).resolve()


def _render_loaded(
    root: Path,
    out: Path,
    fmt: Format,
    only: str | None,
    *,
    catalogue: Catalogue,
    findings: list[Finding],
    timestamp: str | None,
    with_history: bool,
) -> RenderResult:
    override = _templates_folder(root, catalogue)
    site = build(catalogue, EXTENSION[fmt], history_of(root) if with_history else {})
    env = make_environment(fmt, override)
    common = common_variables(site, fmt, timestamp)
    pages = plan(site, fmt, only)
    sections = {page.path: page.section for page in pages}
    static = output.static_files(fmt, override)
    rendered_sections = {page.section for page in pages} | ({"static"} if fmt == "html" else set())
    previous = output.previous_files(out)
    # every path written or removed is checked before the first write: a link in the
    # output folder or a hostile manifest refuses the render with nothing changed
    output.check_paths(
        out,
        [
            *sections,
            *static,
            output.MANIFEST,
            *(rel for rel, section in previous.items() if section in rendered_sections),
        ],
    )
    created = output.make_folders(out, [*sections, *static])
    try:
        changed = render_pages(env, pages, common, root, out, bounded=override is not None)
        for rel, data in static.items():
            sections[rel] = "static"
            if output.stage(out, rel, data):
                changed.add(rel)
    except BaseException:
        output.discard(out, sections, created)
        raise
    result = RenderResult(out, findings=findings)
    output.publish(out, changed, sections, rendered_sections, result, previous=previous)
    return result

"""`pmoctl render`: the catalogue, the handbook and the strategy as a static site or Markdown.

One sandboxed Jinja environment per run, templates compiled once. Everything from the
YAML is data: HTML templates autoescape (decided by a function, because
``select_autoescape()`` leaves ``*.html.j2`` unescaped), Markdown templates pass every
``{{ }}`` through a finalizer that escapes Markdown punctuation and raw HTML, URLs pass an
allowlist, and a template typo is an error naming the template and line.

A catalogue may override or add templates (``render.templates`` in pmoctl.yaml). Those
are untrusted: they run in :class:`ImmutableSandboxedEnvironment` like ours, under a
time limit and a page-size cap. CI should render with templates from the base branch.

Output is deterministic; a file is written only when its bytes change, and files pmoctl
wrote before (listed in ``.pmoctl-render.json``) that are no longer produced are removed.
Nothing else in the output folder is touched.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pmoctl import diagrams, lifecycle, markup
from pmoctl.errors import PmoctlError, RefusedError, UserError
from pmoctl.findings import Finding, Severity
from pmoctl.models.common import Stage
from pmoctl.render_context import Party, ServiceView, SiteContext, build, rag_of, role_label

Format = Literal["html", "markdown"]
SECTIONS = ("catalogue", "handbook", "strategy")
MANIFEST = ".pmoctl-render.json"
#: limits for catalogue-supplied templates (the sandbox bounds access, not resources)
TEMPLATE_TIMEOUT_S = 60.0
MAX_PAGE_BYTES = 32 * 1024 * 1024
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_STATIC_BYTES = 4 * 1024 * 1024
EXTENSION = {"html": "html", "markdown": "md"}
#: below this many pages a worker pool costs more than it saves
POOL_THRESHOLD = 200
TEMPLATE_SUFFIX = {"html": ".html.j2", "markdown": ".md.j2"}


class RenderTemplateError(PmoctlError):
    """A template failed: syntax, a typo (StrictUndefined), an unsafe access, a limit."""

    exit_code = 1


@dataclass
class RenderResult:
    out: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: findings that did not stop the render (warnings; errors too with allow_invalid)
    findings: list[Finding] = field(default_factory=list)


def builtin_templates() -> Path:
    """The packaged templates (``pmoctl/templates`` in a wheel, ``templates/`` in a checkout)."""
    from pmoctl.resources import data_dir

    return data_dir("templates")


class CatalogueTemplateLoader(BaseLoader):
    """Templates from the catalogue's folder: no symlinks, no way out of it, bounded size."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        parts = template.split("/")
        if (
            any(part in ("", ".", "..") or part.startswith(".") for part in parts)
            or "\\" in template
        ):
            raise TemplateNotFound(template)
        path = self.folder.joinpath(*parts)
        try:
            info = path.lstat()
        except OSError:
            raise TemplateNotFound(template) from None
        if not path.is_file() or path.is_symlink() or info.st_size > MAX_TEMPLATE_BYTES:
            raise RenderTemplateError(
                f"catalogue template {template}: "
                f"not a regular file within {MAX_TEMPLATE_BYTES} bytes",
                hint="templates must be plain files (no symbolic links)",
            )
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise RenderTemplateError(
                f"catalogue template {template} cannot be read: {error}"
            ) from None
        return source, str(path), lambda: False


def _autoescape(name: str | None) -> bool:
    # a function, not select_autoescape(): that leaves "*.html.j2" unescaped
    return name is None or not name.endswith(".md.j2")


class MdSafe(str):
    """Text that is already safe Markdown (a block, a link target, a Mermaid diagram)."""

    __slots__ = ()


def _md_finalize(value: Any) -> Any:
    if isinstance(value, MdSafe) or value is None:
        return "" if value is None else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return markup.md_text(value)


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:.{digits}f}"


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%"


class CatalogueSandbox(ImmutableSandboxedEnvironment):
    """The sandbox for catalogue-supplied templates, with its attribute verdicts memoised.

    Jinja's verdict on ``obj.attr`` depends only on the types of the object and of the
    value and on the name (``is_internal_attribute`` and ``modifies_known_mutable`` test
    types), so it is computed once per (type, name, type) instead of on every access:
    rendering 1,000 pages goes from 2.7x to 1.5x the time of an unsandboxed run.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str, type], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr, type(value))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


def make_environment(fmt: Format, override: Path | None) -> Environment:
    """The one environment of a run: strict, compiled once, catalogue templates first.

    pmoctl's own templates are code shipped with pmoctl and run in a plain Environment
    (never on data: no ``from_string``). As soon as the catalogue supplies templates,
    every template of the run goes through :class:`CatalogueSandbox`, under the time and
    size limits of :func:`render_pages`.
    """
    base = builtin_templates() / fmt
    loaders: list[BaseLoader] = [FileSystemLoader(str(base))]
    kind: type[Environment] = Environment
    if override is not None:
        loaders.insert(0, CatalogueTemplateLoader(override / fmt))
        kind = CatalogueSandbox
    markdown = fmt == "markdown"
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=False if markdown else _autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        finalize=_md_finalize if markdown else None,
    )
    env.filters.update(
        url=markup.safe_url,
        number=_number,
        percent=_percent,
        role=role_label,
        lower_text=markup.html_attr_text,
    )
    if markdown:
        env.filters.update(
            md_block=lambda v: MdSafe(markup.md_block(v)),
            md_cell=lambda v: MdSafe(markup.md_cell(v)),
            link=lambda v: MdSafe(markup.safe_url(v).replace("(", "%28").replace(")", "%29")),
            raw_md=MdSafe,  # for template-made Markdown only, never for data
        )
    else:
        env.filters["markdown"] = markup.markdown_html
        env.globals.update(HTML_HELPERS)
    return env


def stage_badge(stage: object) -> Markup:
    """A lifecycle stage as a badge (``<span class="badge stage stage-running">``)."""
    text = str(stage)
    return Markup('<span class="badge plain stage stage-{0}">{1}</span>').format(
        text, text.capitalize()
    )


def rag_badge(rag: object, label: object = "") -> Markup:
    """Red/amber/green as a coloured badge with a text label (colour is never the only cue)."""
    if rag:
        return Markup('<span class="badge rag-{0}">{1}</span>').format(
            rag, label or str(rag).capitalize()
        )
    return Markup('<span class="badge rag-none">{0}</span>').format(label or "No reading")


def party_html(party: Party | None) -> Markup:
    """A person (name, with role and PMO as a tooltip), a job role, or an unknown id."""
    if party is None:
        return Markup('<span class="muted">Not appointed</span>')
    if party.kind == "person":
        tip = party.role + (f", {party.pmo}" if party.pmo else "")
        return Markup('<span title="{0}">{1}</span>').format(tip, party.name)
    if party.kind == "role":
        return Markup('<span>{0}</span> <span class="muted small">(role)</span>').format(party.name)
    return Markup("<code>{0}</code>").format(party.id)


def service_link(service: Any, root: str = "") -> Markup:
    """A link to a service's page (a ServiceView or ServiceRef), relative to ``root``."""
    return Markup('<a href="{0}{1}">{2}</a>').format(root, service.page, service.name)


def bullets(items: Any, empty: str = "None") -> Markup:
    """A bulleted list of texts, or a muted ``empty`` when there are none."""
    if not items:
        return Markup('<span class="muted">{0}</span>').format(empty)
    return Markup("<ul>{0}</ul>").format(
        Markup("").join(Markup("<li>{0}</li>").format(item) for item in items)
    )


#: helpers HTML templates call (Python, not macros: a page calls them dozens of times)
HTML_HELPERS = {
    "stage_badge": stage_badge,
    "rag_badge": rag_badge,
    "party": party_html,
    "service_link": service_link,
    "bullets": bullets,
}


class Diagrams:
    """The diagrams a template can ask for: SVG in HTML, Mermaid text in Markdown."""

    def __init__(self, site: SiteContext, fmt: Format) -> None:
        self.site = site
        self.svg = fmt == "html"
        self._lifecycles: dict[str | None, str] = {}

    def _nodes(self, views: list[ServiceView], root: str) -> list[diagrams.Node]:
        return [diagrams.Node(v.id, v.name, f"{root}{v.page}", v.stage) for v in views]

    def dependencies(self, root: str = "") -> str:
        views = [v for v in self.site.services if v.group != "retired" or v.used_by or v.depends_on]
        nodes = self._nodes(views, root)
        edges = [diagrams.Edge(a, b, ", ".join(via)) for a, b, via in self.site.edges]
        if self.svg:
            return diagrams.dependency_svg(nodes, edges, "How services feed each other")
        return MdSafe(diagrams.dependency_mermaid(nodes, edges))

    def neighbourhood(self, view: ServiceView, root: str = "") -> str:
        """The service with the services it depends on and those that depend on it."""
        if not view.depends_on and not view.used_by:
            return MdSafe("") if not self.svg else Markup("")
        near = [view] + [self.site.by_id[r.id] for r in (*view.depends_on, *view.used_by)]
        unique = list({v.id: v for v in near}.values())
        edges = [diagrams.Edge(a, b) for a, b, _ in self.site.edges if view.id in (a, b)]
        nodes = self._nodes(unique, root)
        if self.svg:
            return diagrams.dependency_svg(nodes, edges, f"Dependencies of {view.name}", "near")
        return MdSafe(diagrams.dependency_mermaid(nodes, edges))

    def sipoc(self, process: Any, index: int = 0) -> str:
        columns = (
            list(process.suppliers),
            [item.name for item in process.inputs],
            # "1. x" would be read as a Markdown list inside a Mermaid label
            [
                f"{n}. {step}" if self.svg else f"Step {n}: {step}"
                for n, step in enumerate(process.steps, start=1)
            ],
            [item.name for item in process.outputs],
            list(process.customers),
        )
        if self.svg:
            return diagrams.sipoc_svg(columns, f"SIPOC of {process.name}", f"sipoc{index}")
        return MdSafe(diagrams.sipoc_mermaid(columns))

    def lifecycle(self, stage: str | None = None) -> str:
        if not self.svg:
            return MdSafe(lifecycle.mermaid())
        if stage not in self._lifecycles:  # seven drawings serve every page
            self._lifecycles[stage] = diagrams.lifecycle_svg(
                Stage(stage) if stage else None, f"lifecycle-{stage or 'all'}"
            )
        return self._lifecycles[stage]


@dataclass(frozen=True)
class Page:
    template: str
    path: str
    section: str
    title: str
    variables: dict[str, Any]


def plan(site: SiteContext, fmt: Format, only: str | None) -> list[Page]:
    ext, suffix = EXTENSION[fmt], TEMPLATE_SUFFIX[fmt]
    pages: list[Page] = []
    if only in (None, "catalogue"):
        pages.append(
            Page("catalogue" + suffix, f"index.{ext}", "catalogue", "Service catalogue", {})
        )
        pages.append(Page("map" + suffix, f"map.{ext}", "catalogue", "Service map", {}))
        for view in site.services:
            pages.append(Page("service" + suffix, view.page, "catalogue", view.name, {"svc": view}))
    if only in (None, "handbook"):
        pages.append(
            Page("handbook" + suffix, f"handbook.{ext}", "handbook", "Operations handbook", {})
        )
    if only in (None, "strategy"):
        pages.append(
            Page("strategy" + suffix, f"strategy.{ext}", "strategy", "Service strategy", {})
        )
    return pages


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Bound catalogue templates' run time (SIGALRM; only in the main thread on POSIX)."""
    usable = (
        seconds is not None
        and seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise RenderTemplateError(
            f"rendering took longer than {seconds:.0f} s (catalogue templates are bounded)"
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds or 0.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(error: BaseException, root: Path) -> str:
    if isinstance(error, TemplateSyntaxError):
        return f"{_shown(error.filename or error.name or '?', root)}:{error.lineno}"
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{_shown(frame.filename, root)}:{frame.lineno}"
    return "template"


def _shown(filename: str, root: Path) -> str:
    path = Path(filename)
    for base, label in ((root, ""), (builtin_templates(), "built-in template ")):
        try:
            return label + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return filename


def _render_one(env: Environment, page: Page, common: dict[str, Any], root: Path) -> bytes:
    variables = {
        **common,
        "page": {
            "path": page.path,
            "section": page.section,
            "title": page.title,
            "root": "../" * page.path.count("/"),
        },
        **page.variables,
    }
    try:
        text = env.get_template(page.template).render(variables)
    except RenderTemplateError:
        raise
    except (
        TemplateError,
        RecursionError,
        OverflowError,
        MemoryError,
        AttributeError,
        TypeError,
        ValueError,
        KeyError,
        ZeroDivisionError,
    ) as error:
        message = str(error) or type(error).__name__
        raise RenderTemplateError(
            f"{_where(error, root)}: {type(error).__name__}: {message}",
            hint="fix the template (or remove the catalogue's override of it)",
        ) from None
    data = text.encode("utf-8")
    if len(data) > MAX_PAGE_BYTES:
        raise RenderTemplateError(f"{page.path}: rendered page exceeds {MAX_PAGE_BYTES} bytes")
    return data


#: what forked workers render from (set just before the pool forks; never pickled)
_JOB: tuple[Environment, list[Page], dict[str, Any], Path] | None = None


def _render_chunk(indexes: list[int]) -> list[tuple[int, bytes | tuple[str, str]]]:
    assert _JOB is not None
    env, pages, common, root = _JOB
    done: list[tuple[int, bytes | tuple[str, str]]] = []
    for index in indexes:
        try:
            done.append((index, _render_one(env, pages[index], common, root)))
        except PmoctlError as problem:
            done.append((index, (problem.message, problem.hint)))
            break
    return done


def _workers(count: int) -> int:
    if count < POOL_THRESHOLD or os.name != "posix":
        return 1
    return max(1, min(os.cpu_count() or 1, count // (POOL_THRESHOLD // 2)))


def render_pages(
    env: Environment, pages: list[Page], common: dict[str, Any], root: Path, bounded: bool
) -> dict[str, bytes]:
    """Render every page to bytes; a template problem becomes one RenderTemplateError.

    Catalogue templates (``bounded``) run here, under a time limit. pmoctl's own
    templates run in forked worker processes when there are many pages, as validation
    loads files, so that a 1,000-service site renders on every core.
    """
    workers = 1 if bounded else _workers(len(pages))
    if workers <= 1:
        with _time_limit(TEMPLATE_TIMEOUT_S if bounded else None):
            return {page.path: _render_one(env, page, common, root) for page in pages}
    import multiprocessing

    global _JOB  # noqa: PLW0603 - handed to forked workers without pickling the context
    _JOB = (env, pages, common, root)
    chunks = [list(range(start, len(pages), workers * 4)) for start in range(workers * 4)]
    results: dict[int, bytes] = {}
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done in pool.imap_unordered(_render_chunk, chunks):
                for index, outcome in done:
                    if isinstance(outcome, tuple):
                        raise RenderTemplateError(outcome[0], hint=outcome[1])
                    results[index] = outcome
    finally:
        _JOB = None
    return {pages[index].path: results[index] for index in range(len(pages))}


def static_files(fmt: Format, override: Path | None) -> dict[str, bytes]:
    """The site's CSS and JavaScript (the catalogue's own static files override ours)."""
    if fmt != "html":
        return {}
    found: dict[str, bytes] = {}
    for folder in (
        builtin_templates() / "html" / "static",
        *((override / "html" / "static",) if override else ()),
    ):
        if not folder.is_dir() or folder.is_symlink():
            continue
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_file():
                continue
            if entry.stat().st_size > MAX_STATIC_BYTES:
                raise RenderTemplateError(
                    f"static file {entry.name} is larger than {MAX_STATIC_BYTES} bytes"
                )
            found[f"static/{entry.name}"] = entry.read_bytes()
    return found


def write_output(
    out: Path,
    files: dict[str, bytes],
    sections: dict[str, str],
    rendered_sections: set[str],
    result: RenderResult,
) -> None:
    """Write changed files only; remove files this command wrote before and no longer makes."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    previous: dict[str, str] = {}
    if manifest_path.is_file() and not manifest_path.is_symlink():
        try:
            loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
            previous = {str(k): str(v) for k, v in loaded.get("files", {}).items()}
        except (ValueError, OSError, AttributeError):
            previous = {}
    for rel, data in sorted(files.items()):
        target = out / rel
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            result.unchanged.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.pmoctl.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        result.written.append(rel)
    kept = {
        rel: sec
        for rel, sec in previous.items()
        if sec not in rendered_sections and rel not in files
    }
    for rel, section in sorted(previous.items()):
        if section in rendered_sections and rel not in files and _inside(out, rel):
            stale = out / rel
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
                result.removed.append(rel)
    manifest = {"generator": "pmoctl render", "files": dict(sorted({**kept, **sections}.items()))}
    data = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    if not manifest_path.is_file() or manifest_path.read_bytes() != data:
        manifest_path.write_bytes(data)


def _inside(out: Path, rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts


def check_catalogue(root: Path, allow_invalid: bool) -> tuple[Any, list[Finding]]:
    """Load and validate; refuse to render a catalogue with errors unless allowed."""
    from pmoctl.pipeline import apply_settings, load_catalogue, run_rules

    catalogue, findings, waivers = load_catalogue(root)
    findings.extend(run_rules(catalogue))
    findings = sorted(apply_settings(findings, catalogue.config, waivers), key=Finding.sort_key)
    errors = sum(1 for finding in findings if finding.severity is Severity.ERROR)
    if errors and not allow_invalid:
        raise RefusedError(
            f"the catalogue has {errors} error{'s' if errors != 1 else ''}; nothing was rendered",
            hint="run `pmoctl validate` and fix them, "
            "or pass --allow-invalid to render what validated",
        )
    return catalogue, findings


def history_of(root: Path) -> dict[str, Any]:
    """Each service's git timeline, or nothing when the history module or a repository is absent."""
    try:
        from pmoctl import history
    except ImportError:
        return {}
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
    if (
        out == root
        or root in out.parents
        and out.relative_to(root).parts[0] in ("services", "procedures")
    ):
        raise UserError(
            f"{out} is inside the catalogue's own files", hint="render into another folder"
        )
    catalogue, findings = check_catalogue(root, allow_invalid)
    # the loaded catalogue lives until the end: keep the collector from rescanning it on
    # every allocation (a third of building the context on 1,000 services)
    gc.freeze()
    try:
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
    finally:
        gc.unfreeze()


def _render_loaded(
    root: Path,
    out: Path,
    fmt: Format,
    only: str | None,
    *,
    catalogue: Any,
    findings: list[Finding],
    timestamp: str | None,
    with_history: bool,
) -> RenderResult:
    config = catalogue.config
    override = None
    if config is not None and config.render.templates:
        named = root / config.render.templates
        override = named.resolve()  # "..", or a link out of the catalogue, is refused below
        if (
            not override.is_relative_to(root.resolve())
            or named.is_symlink()
            or not override.is_dir()
        ):
            raise UserError(
                f"render.templates: {config.render.templates} is not a folder in the catalogue"
            )
    site = build(catalogue, EXTENSION[fmt], history_of(root) if with_history else {})
    env = make_environment(fmt, override)
    common = {
        "site": site,
        "diagrams": Diagrams(site, fmt),
        "format": fmt,
        "generated": timestamp,
        "stages": [stage.value for stage in Stage],
        "moves": lifecycle.MOVES,
        "rag_of": rag_of,
    }
    pages = plan(site, fmt, only)
    files = render_pages(env, pages, common, root, bounded=override is not None)
    sections = {page.path: page.section for page in pages}
    for rel, data in static_files(fmt, override).items():
        files[rel] = data
        sections[rel] = "static"
    result = RenderResult(out, findings=findings)
    rendered_sections = {page.section for page in pages} | ({"static"} if fmt == "html" else set())
    write_output(out, files, sections, rendered_sections, result)
    return result

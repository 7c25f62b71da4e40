"""The pages of a site and how they are rendered: the plan, time limits, worker processes.

Catalogue-supplied templates run in this process under a time limit (kept by
:class:`~pmoctl.render.environment.CatalogueSandbox`, no signal) and a page-size cap.
pmoctl's own templates run in worker processes when there are many pages, as validation
loads files, and each worker stages the pages it rendered itself
(:func:`pmoctl.render.output.stage`), so only a flag per page comes back. A forked
worker (Linux) inherits the context and the templates compiled before the fork; a
spawned one (macOS, Windows) is handed the context pickled and compiles its own.
"""

from __future__ import annotations

import gc
import os
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateError, TemplateSyntaxError

from pmoctl.errors import PmoctlError
from pmoctl.render.context import SiteContext
from pmoctl.render.environment import (
    EXTENSION,
    TEMPLATE_SUFFIX,
    CatalogueSandbox,
    Format,
    RenderTemplateError,
    builtin_templates,
    make_environment,
)
from pmoctl.render.output import stage
from pmoctl.render.sitemap import PAGES, SECTIONS, SERVICE_SECTION
from pmoctl.runtime import worker_context

#: limits for catalogue-supplied templates (the sandbox bounds access, not resources)
TEMPLATE_TIMEOUT_S = 60.0
MAX_PAGE_BYTES = 32 * 1024 * 1024
#: below this many pages a worker pool costs more than it saves
POOL_THRESHOLD = 200
#: service pages handed to a worker at a time (the big overview pages go one by one, first)
CHUNK = 16


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
    for section in SECTIONS:
        if only not in (None, section):
            continue
        for entry in PAGES:
            if entry.section == section:
                path = f"{entry.stem}.{ext}"
                pages.append(Page(entry.template + suffix, path, section, entry.title, {}))
        if section == SERVICE_SECTION:
            for view in site.services:
                pages.append(Page("service" + suffix, view.page, section, view.name, {"svc": view}))
    return pages


@contextmanager
def _time_limit(env: Environment, seconds: float | None) -> Iterator[None]:
    """Bound catalogue templates' run time: the sandbox checks the clock as they run."""
    if not isinstance(env, CatalogueSandbox) or not seconds:
        yield
        return
    env.set_time_limit(seconds)
    try:
        yield
    finally:
        env.set_time_limit(None)


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


@contextmanager
def _template_errors(root: Path) -> Iterator[None]:
    """Any failure of a template becomes a RenderTemplateError naming the template and line."""
    try:
        yield
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


def render_one(env: Environment, page: Page, common: dict[str, Any], root: Path) -> bytes:
    """One page as UTF-8 bytes."""
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
    with _template_errors(root):
        text = env.get_template(page.template).render(variables)
    data = text.encode("utf-8")
    if len(data) > MAX_PAGE_BYTES:
        raise RenderTemplateError(f"{page.path}: rendered page exceeds {MAX_PAGE_BYTES} bytes")
    return data


#: what workers render from (set just before the pool forks, or by :func:`_spawned`)
_JOB: tuple[Environment, list[Page], dict[str, Any], Path, Path] | None = None


def _spawned(job: bytes) -> None:
    """Start a spawned worker: the pages and their context, pickled once by the parent.

    Only pmoctl's own templates are rendered in workers, so the worker makes the same
    environment as the parent from the format alone.
    """
    import pickle

    global _JOB  # noqa: PLW0603 - read by _render_chunk in this worker
    gc.disable()  # rendering makes no cyclic garbage worth collecting in a short life
    pages, common, root, out = pickle.loads(job)
    _JOB = (make_environment(common["format"], None), pages, common, root, out)


def _render_chunk(indexes: list[int]) -> list[tuple[int, bool | tuple[str, str]]]:
    assert _JOB is not None
    env, pages, common, root, out = _JOB
    done: list[tuple[int, bool | tuple[str, str]]] = []
    for index in indexes:
        try:
            page = pages[index]
            done.append((index, stage(out, page.path, render_one(env, page, common, root))))
        except PmoctlError as problem:
            done.append((index, (problem.message, problem.hint)))
            break
    return done


def _workers(count: int) -> int:
    if count < POOL_THRESHOLD or os.name != "posix":
        return 1
    return max(1, min(os.cpu_count() or 1, count // (POOL_THRESHOLD // 2)))


def _chunks(pages: list[Page], done: int) -> list[list[int]]:
    """The pages but ``done``: overview pages one by one and first (each is as long as a
    chunk of service pages), then the service pages in chunks."""
    todo = [index for index in range(len(pages)) if index != done]
    single = [index for index in todo if "svc" not in pages[index].variables]
    rest = [index for index in todo if "svc" in pages[index].variables]
    return [[index] for index in single] + [
        rest[start : start + CHUNK] for start in range(0, len(rest), CHUNK)
    ]


def render_pages(
    env: Environment,
    pages: list[Page],
    common: dict[str, Any],
    root: Path,
    out: Path,
    *,
    bounded: bool,
) -> set[str]:
    """Render and stage every page; return the paths that changed.

    A template problem becomes one RenderTemplateError. Catalogue templates
    (``bounded``) run here, under a time limit; pmoctl's own run in worker processes
    when there are many pages.
    """
    workers = 1 if bounded else _workers(len(pages))
    if workers <= 1:
        with _time_limit(env, TEMPLATE_TIMEOUT_S if bounded else None):
            return {
                page.path
                for page in pages
                if stage(out, page.path, render_one(env, page, common, root))
            }

    global _JOB  # noqa: PLW0603 - handed to forked workers without pickling the context
    context = worker_context()
    changed: set[str] = set()
    first = -1  # the page rendered here, if any
    start: tuple[Any, tuple[Any, ...]]
    if context.get_start_method() == "fork":
        # One page of the most used template is rendered here, before the fork: that
        # compiles what every worker needs (the template and the layout it extends) once.
        # A template of one page only is compiled by the worker that renders that page.
        common_template = Counter(page.template for page in pages).most_common(1)[0][0]
        first = next(index for index, page in enumerate(pages) if page.template == common_template)
        if stage(out, pages[first].path, render_one(env, pages[first], common, root)):
            changed.add(pages[first].path)
        _JOB = (env, pages, common, root, out)
        # rendering makes no cyclic garbage worth collecting in a worker's short life
        start = (gc.disable, ())
    else:  # pickled once here, not once per worker
        import pickle

        start = (_spawned, (pickle.dumps((pages, common, root, out), pickle.HIGHEST_PROTOCOL),))
    try:
        with context.Pool(workers, initializer=start[0], initargs=start[1]) as pool:
            for done in pool.imap_unordered(_render_chunk, _chunks(pages, first)):
                for index, outcome in done:
                    if isinstance(outcome, tuple):
                        raise RenderTemplateError(outcome[0], hint=outcome[1])
                    if outcome:
                        changed.add(pages[index].path)
    finally:
        _JOB = None
    return changed

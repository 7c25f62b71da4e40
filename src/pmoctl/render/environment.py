"""The one Jinja environment of a render: loaders, escaping, filters, the sandbox.

Everything from the YAML is data: HTML templates autoescape (decided by a function,
because ``select_autoescape()`` leaves ``*.html.j2`` unescaped), Markdown templates pass
every ``{{ }}`` through a finalizer that escapes Markdown punctuation and raw HTML, and
URLs pass an allowlist.

A catalogue may override or add templates (``render.templates`` in pmoctl.yaml). Those
are untrusted: they are read by :class:`CatalogueTemplateLoader` (no symbolic links, no way
out of the folder, bounded size) and run in :class:`CatalogueSandbox`, which also keeps their
time limit; the limit is set and the page-size cap applied where pages are rendered
(:mod:`pmoctl.render.pages`).
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    nodes,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from pmoctl.errors import PmoctlError
from pmoctl.fileio import read_bytes
from pmoctl.findings import LoadError
from pmoctl.output.wording import closure_label, plural
from pmoctl.render import markup
from pmoctl.render.directory import role_label
from pmoctl.render.helpers import HTML_HELPERS
from pmoctl.render.markup import MdSafe
from pmoctl.resources import data_dir

Format = Literal["html", "markdown"]
EXTENSION = {"html": "html", "markdown": "md"}
TEMPLATE_SUFFIX = {"html": ".html.j2", "markdown": ".md.j2"}
#: limit for a catalogue-supplied template file
MAX_TEMPLATE_BYTES = 256 * 1024


class RenderTemplateError(PmoctlError):
    """A template failed: syntax, a typo (StrictUndefined), an unsafe access, a limit."""

    exit_code = 1


def builtin_templates() -> Path:
    """The packaged templates (``pmoctl/templates`` in a wheel, ``templates/`` in a checkout)."""
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
            # read as every catalogue file is: no link anywhere on the way, no pipe, bounded
            data = read_bytes(self.folder, "/".join(parts), MAX_TEMPLATE_BYTES)
        except LoadError as error:
            if error.rule == "FILE-MISSING":
                raise TemplateNotFound(template) from None
            raise RenderTemplateError(
                f"catalogue template {template}: {error.message}",
                hint="templates must be plain files within "
                f"{MAX_TEMPLATE_BYTES} bytes (no symbolic links)",
            ) from None
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RenderTemplateError(
                f"catalogue template {template} cannot be read: {error}"
            ) from None
        return source, str(path), lambda: False


def _autoescape(name: str | None) -> bool:
    # a function, not select_autoescape(): that leaves "*.html.j2" unescaped
    return name is None or not name.endswith(".md.j2")


def _md_finalize(value: Any) -> Any:
    if isinstance(value, MdSafe) or value is None:
        return "" if value is None else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return markup.md_text(value)


def _number(value: Any, digits: int | None = None) -> str:
    """A number as written (``3.95``, ``4``), or with exactly ``digits`` decimals, so that
    a column of computed figures lines up (``3.90`` under ``3.95``)."""
    if value is None:
        return ""
    number = float(value)
    if digits is not None:
        return f"{number:.{digits}f}"
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    written = repr(number)
    return format(number, "f").rstrip("0").rstrip(".") if "e" in written else written


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%"


_HTML_SPECIAL = re.compile(r"[&<>\"']")
#: types whose text never holds a character HTML escapes (dates are ISO, numbers digits)
_NOTHING_TO_ESCAPE = frozenset({int, float, bool, date, datetime})


def output_escape(value: object) -> str:
    """What ``{{ value }}`` writes into an HTML page: exactly :func:`markupsafe.escape`.

    Text with nothing to escape (most of a page) is written as it is instead of being
    copied into a ``Markup`` first, and ``Markup`` from the helpers is not copied again:
    a fifth of the time of a service page went to those copies.
    """
    if type(value) is str:
        return escape(value) if _HTML_SPECIAL.search(value) else value
    if type(value) is Markup:
        return value
    if type(value) in _NOTHING_TO_ESCAPE:
        return str(value)
    return escape(value)


class OutputEscapeCodeGenerator(CodeGenerator):
    """Compiles ``{{ }}`` in autoescaped templates to :func:`output_escape`.

    Jinja writes ``escape(...)`` around every output; this writes
    ``environment.output_escape(...)``, through the hook Jinja's own native-types
    environment uses. Everything else (constants, ``{% autoescape false %}``, filters,
    macros) compiles as before.
    """

    def _output_child_pre(
        self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.output_escape(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


class PageEnvironment(Environment):
    """The environment of pmoctl's own templates."""

    code_generator_class = OutputEscapeCodeGenerator
    output_escape = staticmethod(output_escape)


class BoundedLoopCodeGenerator(OutputEscapeCodeGenerator):
    """Compiles every ``{% for %}`` to iterate through ``environment.bounded_iter(...)``.

    A loop whose body calls nothing and reads no attribute never goes through the
    sandbox's hooks; this way each of its iterations can still be timed.
    """

    def visit_For(self, node: nodes.For, frame: Frame) -> None:  # noqa: N802 - Jinja's name
        node = copy.copy(node)  # the tree is the parser's: change a copy
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("bounded_iter"), [node.iter], [], None, None
        ).set_lineno(node.iter.lineno)
        super().visit_For(node, frame)


class CatalogueSandbox(ImmutableSandboxedEnvironment):
    """The sandbox for catalogue-supplied templates: memoised verdicts and a time limit.

    Jinja's verdict on ``obj.attr`` depends only on the types of the object and of the
    value and on the name (``is_internal_attribute`` and ``modifies_known_mutable`` test
    types), so it is computed once per (type, name, type) instead of on every access:
    rendering 1,000 pages goes from 2.7x to 1.5x the time of an unsandboxed run.

    The time limit needs no signal (none on Windows, none outside the main thread): while
    ``deadline`` is set, every call, attribute or item access and every loop iteration of
    a template checks the clock. A template runs Python only through those (macros are
    calls, filters and tests work on data whose size the sandbox bounds), so none can run
    on unchecked.
    """

    code_generator_class = BoundedLoopCodeGenerator
    output_escape = staticmethod(output_escape)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str, type], bool] = {}
        #: ``time.monotonic()`` past which a template fails; None: no limit
        self.deadline: float | None = None
        self.time_limit = 0.0

    def set_time_limit(self, seconds: float | None) -> None:
        """Bound the templates rendered from now on to ``seconds`` in all (None: no limit)."""
        self.time_limit = seconds or 0.0
        self.deadline = time.monotonic() + seconds if seconds else None

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RenderTemplateError(
                f"rendering took longer than {self.time_limit:.0f} s "
                "(catalogue templates are bounded)",
                hint="make the template do less (loops over loops, recursive macros)",
            )

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.check_time()
        return super().call(context, obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.check_time()
        return super().getitem(obj, argument)

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """What a template's ``{% for %}`` iterates: ``iterable``, the clock checked."""
        for count, item in enumerate(iterable):
            if not count & 63:  # the clock is read once every 64 items, and on the first
                self.check_time()
            yield item

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr, type(value))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


#: characters of a URL that would end a Markdown link target or a table cell
_LINK_ESCAPES = str.maketrans({"(": "%28", ")": "%29", '"': "%22", "|": "%7C"})


def make_environment(fmt: Format, override: Path | None) -> Environment:
    """The one environment of a run: strict, compiled once, catalogue templates first.

    pmoctl's own templates are code shipped with pmoctl and run in a plain Environment
    (never on data: no ``from_string``). As soon as the catalogue supplies templates,
    every template of the run goes through :class:`CatalogueSandbox`, under the time and
    size limits of :func:`pmoctl.render.pages.render_pages`.
    """
    base = builtin_templates() / fmt
    loaders: list[BaseLoader] = [FileSystemLoader(str(base))]
    kind: type[Environment] = PageEnvironment
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
    env.globals.update(plural=plural, closure_label=closure_label)
    if markdown:
        env.filters.update(
            md_block=lambda v: MdSafe(markup.md_block(v)),
            md_cell=lambda v: MdSafe(markup.md_cell(v)),
            link=lambda v: MdSafe(markup.safe_url(v).translate(_LINK_ESCAPES)),
            raw_md=MdSafe,  # for template-made Markdown only, never for data
            # digits and one point: never Markdown syntax (a list needs a space after "4.")
            number=lambda v, digits=None: MdSafe(_number(v, digits)),
        )
    else:
        env.filters["markdown"] = markup.markdown_html
        env.globals.update(HTML_HELPERS)
    return env

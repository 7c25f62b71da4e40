"""Turning catalogue text into safe markup: URLs, Markdown to HTML, and text for Markdown files.

Everything in the YAML is data. In HTML it is escaped by autoescape; the few places where
it becomes markup go through here:

* :func:`safe_url` keeps only ``http``, ``https`` and ``mailto`` URLs (and page-relative
  links pmoctl makes itself); anything else becomes ``#invalid-url``;
* :func:`markdown_html` renders a description with markdown-it's ``js-default`` preset
  (raw HTML off; a link only when :func:`link_allowed`) and cleans the result with nh3;
* :func:`md_text`, :func:`md_cell` and :func:`md_block` make text safe inside a Markdown
  *output* file, where HTML escaping is not enough: Markdown punctuation is escaped and
  raw HTML is neutralised as entities.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

import nh3
from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

INVALID_URL = "#invalid-url"
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
#: whitespace (``\s`` is exactly what ``str.isspace`` accepts) and control characters
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")
#: our own page-relative links: a path of safe characters, never starting with '/' or a scheme
_RELATIVE = re.compile(r"^(?![/\\])[A-Za-z0-9._~/#-]*$")
_ALLOWED_TAGS = frozenset(
    {
        "p",
        "a",
        "em",
        "strong",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "blockquote",
        "br",
        "hr",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "del",
        "s",
    }
)
# Markdown punctuation that can start or end markup anywhere in a line ...
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# ... and what only matters at the start of a line (headings, quotes, lists, setext rules)
_MD_LEADING = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


class MdSafe(str):
    """Text that is already safe Markdown (a block, a link target, a Mermaid diagram)."""

    __slots__ = ()


def safe_url(value: object) -> str:
    """``value`` if it is an http(s)/mailto URL or a relative link of ours, else ``#invalid-url``.

    Whitespace and control characters anywhere refuse the URL, so ``java\\tscript:`` and
    `` javascript:`` (which browsers would still run) do not pass as "no scheme".
    """
    url = str(value)
    if not url or _UNSAFE_IN_URL.search(url):
        return INVALID_URL
    scheme = _SCHEME.match(url)
    if scheme:
        return url if scheme.group(1).lower() in ALLOWED_SCHEMES else INVALID_URL
    if url.startswith("//") or not _RELATIVE.match(url) or ":" in url:
        return INVALID_URL
    return url


def link_allowed(url: str) -> bool:
    """True when a link written in a description is clearly http, https or mailto.

    The URL must start with one of these schemes both as written and as a browser could
    read it: with entities and percent escapes decoded and whitespace and control
    characters removed (``java&#x09;script:``, ``java%09script:``). Anything else, a
    relative link included, is not linked: a description's link points to another site.
    """
    decoded = url
    for _ in range(4):  # escapes of escapes, a few levels deep
        again = unquote(html.unescape(decoded))
        if again == decoded:
            break
        decoded = again
    for form in (url, _UNSAFE_IN_URL.sub("", decoded)):
        scheme = _SCHEME.match(form)
        if scheme is None or scheme.group(1).lower() not in ALLOWED_SCHEMES:
            return False
    return True


@cache
def _markdown() -> MarkdownIt:
    # imported when a description needs the parser (a tenth of a second; plain prose does not)
    from markdown_it import MarkdownIt

    parser = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    parser.validateLink = link_allowed  # type: ignore[method-assign]
    return parser


#: one line of prose with nothing Markdown would act on: rendered without the parser
_PLAIN = re.compile(r"[^\\`*_\[\]<>&!|~#\t\n\r=+-][^\\`*_\[\]<>&!|~#\t\n\r]*")
_LIST_START = re.compile(r"\d{1,9}[.)]")


def sanitise(html: str) -> str:
    """nh3's clean-up with pmoctl's tag allowlist and URL schemes (links get rel=noopener)."""
    return nh3.clean(
        html,
        tags=set(_ALLOWED_TAGS),
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_html(text: object) -> Markup:
    """A description's Markdown as sanitised HTML (raw HTML shown as text, never run)."""
    if text is None or text == "":
        return Markup("")
    source = str(text).strip(" ")
    if _PLAIN.fullmatch(source) and source.isprintable() and not _LIST_START.match(source):
        # what markdown-it and nh3 make of one line of plain prose (checked against them in
        # the tests): no markup characters, no controls or odd spaces that either of them
        # would change. A thousand service pages spend a fifth of their time on them otherwise
        return Markup("<p>" + source + "</p>\n")
    html = _markdown().render(str(text))
    return Markup(sanitise(html))  # markdown-it without raw HTML, then nh3: safe to mark


def md_text(value: object) -> str:
    """Inline text for a Markdown file: one line, Markdown punctuation escaped, no raw HTML."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LEADING.sub(
        lambda m: (
            m.group(1) + "\\" + m.group(2)
            if not m.group(2).isdigit()
            else m.group(1) + m.group(2) + "\\"
        ),
        text,
        count=1,
    )


def md_cell(value: object) -> str:
    """Text for a Markdown table cell (as :func:`md_text`; ``|`` is escaped there too)."""
    return md_text(value) if value not in (None, "") else "—"


#: an inline link's target, with the balanced parentheses CommonMark allows in it
_LINK_TARGET = re.compile(r"(\]\(\s*<?)((?:[^()\s>]|\([^()\s>]*\))*)")
_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*<?)(\S+?)(>?)(\s|$)", re.MULTILINE)


def md_block(value: object) -> str:
    """A Markdown description kept as Markdown, made inert for a Markdown output file.

    Raw HTML and entities are neutralised (``<`` and ``&`` become entities, so
    ``<script>`` and ``&#106;avascript:`` are shown, not run), and the target of every
    inline link or link reference definition must pass :func:`link_allowed`.
    """
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n")
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _LINK_TARGET.sub(lambda m: m.group(1) + _md_url(m.group(2)), text)
    text = _REFERENCE.sub(
        lambda m: m.group(1) + _md_url(m.group(2)) + m.group(3) + m.group(4), text
    )
    return text.strip("\n")


def _md_url(url: str) -> str:
    # the text was entity-escaped above; judge the URL as the reader's renderer would see it
    raw = url.replace("&lt;", "<").replace("&amp;", "&")
    return url if link_allowed(raw) and safe_url(raw) == raw and "&" not in raw else INVALID_URL


def html_attr_text(value: object) -> str:
    """Plain text for a data attribute used by the filter box (lower case, one line)."""
    return " ".join(str(value).split()).lower()


__all__ = [
    "INVALID_URL",
    "MdSafe",
    "html_attr_text",
    "link_allowed",
    "markdown_html",
    "md_block",
    "md_cell",
    "md_text",
    "safe_url",
]

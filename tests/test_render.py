"""`pmoctl render`: the context, safety, determinism, changed-only writes, overrides and sandbox."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import git, run_cli
from pmoctl.catalogue.models import Kpi
from pmoctl.catalogue.pipeline import load_catalogue
from pmoctl.errors import RefusedError, UserError
from pmoctl.operations.kpis import rag_of
from pmoctl.render import pages
from pmoctl.render.context import build
from pmoctl.render.markup import INVALID_URL, markdown_html, md_block, md_text, safe_url
from pmoctl.render.service import kpi_view
from pmoctl.render.site import MANIFEST, RenderTemplateError, render_site

HOSTILE = """\
format: 1
kind: service
id: hostile-service
name: "<script>alert('name')</script> {{ 7*191 }}"
category: "<img src=x onerror=alert(1)>"
summary: "Summary with <b>bold</b> and {% raw %} and [link](javascript:alert(2))"
description: |
  Raw <script>alert('desc')</script> and <a href="javascript:alert(3)">a raw link</a>.

  A [markdown link](javascript:alert(4)), [data](data:text/html;base64,PHNjcmlwdD4=),
  <img src=x onerror=alert(5)> and &#106;avascript:alert(6) and {{ 7*191 }}.

  [ref]: javascript:alert(7)
outputs: ["<svg onload=alert(8)>"]
outcome: "| table | breaker | # heading"
scope: portfolio
delivery:
  pmos: [corporate-pmo]
roles:
  owner: helen-achebe
  managers:
    - {person: marcus-lindqvist, pmo: corporate-pmo}
request: "Ask [here](javascript:alert(9)) or <a href='javascript:alert(10)'>here</a>"
links: ["https://example.org/?q=<x>\\"onmouseover=alert(11)"]
processes:
  - id: hostile-process
    name: "</title><script>alert(12)</script>"
    suppliers: ["\\"><script>alert(13)</script>"]
    inputs:
      - name: "`code` and ``` fence"
    steps: ["1. step with \\"quotes\\" and <tags>"]
    outputs:
      - name: "]]> --> output"
    customers: ["#quot; mermaid \\" end"]
lifecycle:
  stage: running
"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.attributes.extend((tag, name.lower(), value or "") for name, value in attrs)


def _write_hostile(root: Path) -> None:
    # links must match the model's URL pattern (no <>); the quote tries to end the attribute
    text = HOSTILE.replace(
        'links: ["https://example.org/?q=<x>\\"onmouseover=alert(11)"]',
        'links: ["https://example.org/?q=x&y=1\\"onmouseover=alert(11)"]',
    )
    (root / "services" / "hostile-service.yaml").write_text(text, encoding="utf-8")


def _context(root: Path, ext: str = "html"):  # type: ignore[no-untyped-def]
    catalogue, findings, _ = load_catalogue(root)
    assert not [f for f in findings if f.severity.value == "error"]
    return build(catalogue, ext, {})


# --- markup -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:x",
        "java\tscript:x",
        "data:text/html,<b>",
        "//evil.example",
        "vbscript:x",
        "file:///etc/passwd",
        "a:b",
        "",
    ],
)
def test_safe_url_refuses_everything_but_http_https_mailto(url: str) -> None:
    assert safe_url(url) == INVALID_URL


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a?b=c",
        "http://x.example",
        "mailto:pmo@example.org",
        "services/gate-reviews.html",
        "../index.html#kpis",
    ],
)
def test_safe_url_keeps_good_urls(url: str) -> None:
    assert safe_url(url) == url


def test_markdown_html_shows_raw_html_as_text_and_drops_bad_links() -> None:
    html = str(
        markdown_html(
            "**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
            "<img src=x onerror=alert(1)> [ok](https://example.org)"
        )
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html


def test_md_text_escapes_markdown_and_html() -> None:
    assert md_text("a *b* | <c> [d](e)") == r"a \*b\* \| &lt;c> \[d\](e)"
    assert md_text("# not a heading") == r"\# not a heading"
    assert md_text("two\nlines") == "two lines"


def test_md_block_keeps_markdown_but_neutralises_html_and_links() -> None:
    out = md_block(
        "**x** <script>y</script> [a](javascript:z) [b](https://ok.example)\n[r]: data:x"
    )
    assert "**x**" in out and "<script>" not in out and "&lt;script>" in out
    assert "(javascript:" not in out and "[a](#invalid-url)" in out
    assert "[b](https://ok.example)" in out and "[r]: #invalid-url" in out


def test_md_block_neutralises_a_link_whole_leaving_no_stray_parenthesis() -> None:
    assert md_block("A [link](javascript:alert(4)), then text.") == (
        "A [link](#invalid-url), then text."
    )
    assert md_block("[x](https://a.example/wiki/X_(y)) z") == "[x](https://a.example/wiki/X_(y)) z"
    assert md_block("[r](services/x.html)") == "[r](#invalid-url)"  # no scheme: no link


@pytest.mark.parametrize(
    "target",
    [
        "java&#x09;script:alert(1)",
        "java&#9;script:alert(1)",
        "java%09script:alert(1)",
        "&#106;avascript:alert(1)",
        "ht&#x09;tps://example.org",
        "services/other.html",
        "#kpis",
        "//evil.example/x",
    ],
)
def test_a_description_link_that_is_not_clearly_http_https_or_mailto_is_no_link(
    target: str,
) -> None:
    html = str(markdown_html(f"See [this]({target}) now."))
    assert "<a" not in html and "href" not in html, html


def test_an_https_url_with_a_quote_is_a_link_escaped() -> None:
    html = str(markdown_html('[q](https://example.org/?q="x") and [m](mailto:pmo@example.org)'))
    assert '<a href="https://example.org/?q=%22x%22"' in html
    assert '<a href="mailto:pmo@example.org"' in html
    assert safe_url('https://example.org/?q="x"') == 'https://example.org/?q="x"'


def test_a_link_with_a_quote_validates_and_renders_escaped(
    example_catalogue: Path, tmp_path: Path
) -> None:
    service = example_catalogue / "services" / "pm-training.yaml"
    text = service.read_text(encoding="utf-8")
    service.write_text(
        re.sub(
            r"(?m)^lifecycle:",
            "links: ['https://example.org/?q=\"x\"onmouseover=1']\nlifecycle:",
            text,
        ),
        encoding="utf-8",
    )
    result = run_cli("validate", cwd=example_catalogue)
    assert result.returncode == 0, result.stdout
    render_site(example_catalogue, tmp_path / "site", with_history=False)
    html = (tmp_path / "site" / "services" / "pm-training.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/?q=&#34;x&#34;onmouseover=1"' in html
    render_site(example_catalogue, tmp_path / "md", "markdown", with_history=False)
    md = (tmp_path / "md" / "services" / "pm-training.md").read_text(encoding="utf-8")
    assert "<https://example.org/?q=%22x%22onmouseover=1>" in md


# --- context ------------------------------------------------------------------------------


def _kpi(direction: str, **extra: object) -> Kpi:
    return Kpi.model_validate(
        {
            "id": "k",
            "name": "K",
            "measure": "m",
            "unit": "%",
            "direction": direction,
            "frequency": "monthly",
            **extra,
        }
    )


def test_rag_against_thresholds_in_both_directions() -> None:
    higher = _kpi("higher-is-better", thresholds={"green": 80, "amber": 60})
    assert [rag_of(higher, v) for v in (90, 80, 70, 60, 10)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]
    lower = _kpi("lower-is-better", thresholds={"green": 1, "amber": 3})
    assert [rag_of(lower, v) for v in (0.5, 1, 2, 3, 4)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]


def test_rag_without_thresholds_uses_the_target_or_says_nothing() -> None:
    assert rag_of(_kpi("higher-is-better", target=10), 12) == "green"
    assert rag_of(_kpi("higher-is-better", target=10), 8) == "amber"
    assert rag_of(_kpi("higher-is-better"), 8) is None


def test_context_of_the_example(example_catalogue: Path) -> None:
    site = _context(example_catalogue)
    gate = site.by_id["gate-reviews"]
    assert (
        gate.group == "catalogue" and gate.owner is not None and gate.owner.name == "Helen Achebe"
    )
    assert [(r.id, r.via) for r in gate.depends_on] == [
        ("project-assurance", ("Assurance review report",))
    ]
    assert {r.id for r in site.by_id["project-assurance"].used_by} >= {"gate-reviews"}
    assert gate.kpis[0].latest is not None and gate.kpis[0].rag == "amber"  # 71 against 80/60
    assert gate.rag == "amber"
    # every service in exactly one of the three views
    groups = {v.id: v.group for v in site.services}
    running = {v.id for _, views in site.categories for v in views}
    assert running == {i for i, g in groups.items() if g == "catalogue"}
    assert {v.id for v in site.pipeline} | {v.id for v in site.retired} | running == set(groups)
    # ranking: best weighted score first, ranks 1..n
    scores = [v.score for v in site.ranked if v.score is not None]
    assert scores == sorted(scores, reverse=True)
    assert [v.rank for v in site.ranked] == list(range(1, len(site.ranked) + 1))
    assert all(v.group != "retired" for v in site.ranked)


def test_capacity_counts_decided_services_only(example_catalogue: Path) -> None:
    site = _context(example_catalogue)
    for row in site.capacity:
        expected = sum(
            need.fte
            for view in site.services
            if view.model.lifecycle.stage.value
            in ("design", "pilot", "transition", "running", "closing")
            for need in view.model.needs.capacity
            if need.pmo == row.pmo_id
        )
        assert row.committed == pytest.approx(expected)
        assert row.over == (row.committed > row.capacity)


def test_raci_matrix_and_person_overview(example_catalogue: Path) -> None:
    site = _context(example_catalogue)
    admin = next(p for p in site.procedures if p.id == "administer-ppm-platform")
    parties = [party.id for party in admin.parties]
    first = admin.rows[0]
    assert dict(zip(parties, first.cells, strict=True)) == {
        **dict.fromkeys(parties, ""),
        "pmo-administrator": "R",
        "wei-chen": "A",
        "project-manager": "I",
    }
    assert admin.parties[0].kind == "role" and admin.parties[1].name == "Wei Chen"
    wei = next(p for p in site.people_raci if p.person.id == "wei-chen")
    assert "provision-workspace" in {a.activity for a in wei.accountable}
    grace = next(p for p in site.people_raci if p.person.id == "grace-mensah")
    # Grace is a PMO Administrator: the role's R on provisioning is hers too, marked as such
    via_role = [a for a in grace.responsible if a.activity == "provision-workspace"]
    assert via_role and via_role[0].via == "PMO Administrator"


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_render_is_deterministic(example_catalogue: Path, tmp_path: Path, fmt: str) -> None:
    one = render_site(example_catalogue, tmp_path / "one", fmt)  # type: ignore[arg-type]
    two = render_site(example_catalogue, tmp_path / "two", fmt)  # type: ignore[arg-type]
    assert one.written == two.written and len(one.written) > 10
    for rel in one.written:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_every_page_of_the_site_map_is_rendered_and_in_the_navigation(
    example_catalogue: Path, tmp_path: Path, fmt: str
) -> None:
    from pmoctl.render.sitemap import PAGES

    ext = "html" if fmt == "html" else "md"
    result = render_site(example_catalogue, tmp_path, fmt, with_history=False)  # type: ignore[arg-type]
    service = next(rel for rel in result.written if rel.startswith("services/"))
    for rel in ("index." + ext, service):
        text = (tmp_path / rel).read_text(encoding="utf-8")
        prefix = "../" * rel.count("/")
        links = [
            f'href="{prefix}{p.stem}.{ext}"' if fmt == "html" else f"]({prefix}{p.stem}.{ext})"
            for p in PAGES
        ]
        positions = [text.find(link) for link in links]
        assert -1 not in positions and positions == sorted(positions), (rel, links)
    for page in PAGES:
        assert f"{page.stem}.{ext}" in result.written


def test_html_pages_and_links(example_catalogue: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = render_site(example_catalogue, out)
    services = sorted(p.stem for p in (example_catalogue / "services").glob("*.yaml"))
    expected = {
        "index.html",
        "map.html",
        "handbook.html",
        "strategy.html",
        "static/style.css",
        "static/filter.js",
        *(f"services/{s}.html" for s in services),
    }
    assert set(result.written) == expected
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="filter"' in index and "Being set up" in index and "Retired" in index
    for page in expected - {"static/style.css", "static/filter.js"}:
        html = (out / page).read_text(encoding="utf-8")
        assert "<main" in html and "<nav" in html and "<footer" in html
        assert "http://" not in re.sub(
            r'xmlns="http://www.w3.org/2000/svg"', "", html
        ) or page.startswith("services/")
        for href in re.findall(r'(?:href|src)="([^"#]+)', html):
            if href.startswith(("https://", "http://", "mailto:")):
                continue
            assert (out / page).parent.joinpath(href).resolve().is_file(), (
                f"{page} links to missing {href}"
            )


def test_headings_in_order(example_catalogue: Path, tmp_path: Path) -> None:
    render_site(example_catalogue, tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", page.read_text(encoding="utf-8"))]
        assert levels[0] == 1 and levels.count(1) == 1, page
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, f"{page.name}: h{before} followed by h{after}"


def test_only_changed_files_are_written(example_catalogue: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = render_site(example_catalogue, out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    again = render_site(example_catalogue, out)
    assert again.written == [] and sorted(again.unchanged) == sorted(first.written)
    path = example_catalogue / "services" / "pm-training.yaml"
    text = path.read_text(encoding="utf-8")
    summary = re.search(r"^summary: (.*)$", text, re.MULTILINE)
    assert summary
    path.write_text(
        text.replace(summary.group(0), "summary: A brand new summary."), encoding="utf-8"
    )
    changed = render_site(example_catalogue, out)
    assert "services/pm-training.html" in changed.written
    assert "static/style.css" not in changed.written and "handbook.html" not in changed.written
    assert "A brand new summary." in (out / "services/pm-training.html").read_text(encoding="utf-8")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_pages_of_removed_services_are_removed_and_nothing_else(
    example_catalogue: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    _write_hostile(example_catalogue)
    render_site(example_catalogue, out, allow_invalid=True)
    (out / "services" / "kept-by-user.html").write_text("mine", encoding="utf-8")
    (example_catalogue / "services" / "hostile-service.yaml").unlink()
    result = render_site(example_catalogue, out, allow_invalid=True)
    assert result.removed == ["services/hostile-service.html"]
    assert not (out / "services" / "hostile-service.html").exists()
    assert (out / "services" / "kept-by-user.html").exists()
    assert MANIFEST in {p.name for p in out.iterdir()}


def test_only_one_section(example_catalogue: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = render_site(example_catalogue, out, only="handbook")
    assert sorted(result.written) == ["handbook.html", "static/filter.js", "static/style.css"]
    render_site(example_catalogue, out)
    again = render_site(example_catalogue, out, only="strategy")
    assert again.removed == [] and (out / "index.html").exists()


def test_a_catalogue_with_errors_is_refused_unless_allowed(
    example_catalogue: Path, tmp_path: Path
) -> None:
    service = example_catalogue / "services" / "pm-training.yaml"
    service.write_text(
        service.read_text(encoding="utf-8").replace("kind: service", "kind: servic"),
        encoding="utf-8",
    )
    with pytest.raises(RefusedError, match="error"):
        render_site(example_catalogue, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()
    result = render_site(example_catalogue, tmp_path / "allowed", allow_invalid=True)
    assert result.findings and "services/pm-training.html" not in result.written
    assert "index.html" in result.written


# --- hostile data -------------------------------------------------------------------------


def test_hostile_service_is_inert_in_html(example_catalogue: Path, tmp_path: Path) -> None:
    _write_hostile(example_catalogue)
    out = tmp_path / "site"
    render_site(example_catalogue, out, allow_invalid=True)
    for page in ["services/hostile-service.html", "index.html", "map.html", "strategy.html"]:
        html = (out / page).read_text(encoding="utf-8")
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(
            tag == f'<script src="{"../" * page.count("/")}static/filter.js">' for tag in scripts
        ), page
        tags = _Tags()
        tags.feed(html)  # what a browser sees as elements and attributes, not escaped text
        assert not [a for a in tags.attributes if a[1].startswith("on")], page
        assert not [
            a
            for a in tags.attributes
            if a[1] in ("href", "src", "xlink:href") and safe_url(a[2]) != a[2].strip()
        ], page
        assert [t for t in tags.elements if t == "script"] == ["script"] * len(scripts), page
        assert "1337" not in html, page  # {{ 7*191 }} is never evaluated
    service = (out / "services/hostile-service.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in service
    assert "{{ 7*191 }}" in service and "{% raw %}" in service


def test_hostile_service_is_inert_in_markdown(example_catalogue: Path, tmp_path: Path) -> None:
    _write_hostile(example_catalogue)
    out = tmp_path / "md"
    render_site(example_catalogue, out, "markdown", allow_invalid=True)
    for page in ["services/hostile-service.md", "index.md", "map.md"]:
        text = (out / page).read_text(encoding="utf-8")
        assert (
            "<script" not in text
            and "<img" not in text
            and "<a " not in text
            and "<svg" not in text
        ), page
        # an unescaped "](" starts a link target; "\\](" is literal text
        assert not re.search(r"(?<!\\)\]\(\s*<?\s*(javascript|data|vbscript):", text, re.I), page
        assert not re.search(r"^\s*\[[^\]]+\]:\s*(javascript|data):", text, re.I | re.M), page
        assert "1337" not in text, page
    service = (out / "services/hostile-service.md").read_text(encoding="utf-8")
    assert "# &lt;script>" not in service.split("\n# ", 1)[0]
    assert r"\| table \| breaker \| # heading" in service  # cannot open cells or headings


# --- templates: overrides, sandbox, errors ------------------------------------------------


def _with_templates(root: Path, files: dict[str, str]) -> Path:
    config = root / "pmoctl.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "render:\n", "render:\n  templates: site-templates\n"
        ),
        encoding="utf-8",
    )
    for rel, text in files.items():
        path = root / "site-templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_catalogue_template_overrides_and_adds(example_catalogue: Path, tmp_path: Path) -> None:
    _with_templates(
        example_catalogue,
        {
            "html/service.html.j2": '{% extends "base.html.j2" %}{% block content %}'
            "<h1>Custom {{ svc.name }}</h1>"
            '{% include "extra.html.j2" %}{% endblock %}',
            "html/extra.html.j2": "<p class=extra>{{ svc.model.summary }}</p>",
            "html/static/brand.css": "body{}",
        },
    )
    out = tmp_path / "site"
    render_site(example_catalogue, out)
    page = (out / "services/gate-reviews.html").read_text(encoding="utf-8")
    assert "<h1>Custom Stage gate reviews</h1>" in page and "<p class=extra>" in page
    assert (out / "static/brand.css").is_file()
    assert "How services feed each other" in (out / "map.html").read_text(encoding="utf-8")


def test_sandbox_stops_a_hostile_catalogue_template(
    example_catalogue: Path, tmp_path: Path
) -> None:
    _with_templates(
        example_catalogue,
        {
            "html/map.html.j2": "line one\n"
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n",
        },
    )
    with pytest.raises(RenderTemplateError) as caught:
        render_site(example_catalogue, tmp_path / "site")
    assert "site-templates/html/map.html.j2:2" in caught.value.message
    assert "SecurityError" in caught.value.message or "undefined" in caught.value.message.lower()


def test_template_typo_names_template_and_line(example_catalogue: Path, tmp_path: Path) -> None:
    _with_templates(example_catalogue, {"html/strategy.html.j2": "a\nb\n{{ site.nmae }}\n"})
    with pytest.raises(
        RenderTemplateError, match=r"site-templates/html/strategy\.html\.j2:3: UndefinedError"
    ):
        render_site(example_catalogue, tmp_path / "site")
    result = run_cli("render", "--out", tmp_path / "cli", "-C", example_catalogue)
    assert result.returncode == 1
    assert "strategy.html.j2:3" in result.stderr and "Traceback" not in result.stderr


def test_template_syntax_error_names_template_and_line(
    example_catalogue: Path, tmp_path: Path
) -> None:
    _with_templates(example_catalogue, {"markdown/handbook.md.j2": "ok\n{% for x in %}\n"})
    with pytest.raises(RenderTemplateError, match=r"handbook\.md\.j2:2"):
        render_site(example_catalogue, tmp_path / "site", "markdown")


def test_catalogue_templates_are_time_bounded(
    example_catalogue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_templates(
        example_catalogue,
        {
            "html/handbook.html.j2": "{% for a in range(100000) %}{% for b in range(100000) %}"
            "{% endfor %}{% endfor %}",
        },
    )
    monkeypatch.setattr(pages, "TEMPLATE_TIMEOUT_S", 0.5)
    with pytest.raises(RenderTemplateError, match="longer than"):
        render_site(example_catalogue, tmp_path / "site", only="handbook")


@pytest.mark.parametrize(
    "template",
    [
        # loops whose bodies call nothing and read nothing: only the loop itself is timed
        "{% for a in range(100000) %}{% for b in range(300) %}{% endfor %}{% endfor %}",
        # a macro that calls itself twice: 2**40 calls, none of them deep
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}",
    ],
    ids=["loops", "macros"],
)
def test_catalogue_templates_are_time_bounded_without_a_signal(
    example_catalogue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str
) -> None:
    """Outside the main thread no signal can interrupt a template: the limit still holds."""
    _with_templates(example_catalogue, {"html/handbook.html.j2": template})
    monkeypatch.setattr(pages, "TEMPLATE_TIMEOUT_S", 0.3)
    raised: list[BaseException] = []

    def render() -> None:
        try:
            render_site(example_catalogue, tmp_path / "site", only="handbook")
        except BaseException as error:  # handed to the test's thread
            raised.append(error)

    worker = threading.Thread(target=render, daemon=True)
    start = time.monotonic()
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the template ran on past its time limit"
    assert len(raised) == 1 and isinstance(raised[0], RenderTemplateError), raised
    assert "longer than" in str(raised[0])
    assert time.monotonic() - start < 30
    assert not (tmp_path / "site" / "handbook.html").exists()


def test_a_huge_range_in_a_catalogue_template_is_refused(
    example_catalogue: Path, tmp_path: Path
) -> None:
    _with_templates(
        example_catalogue,
        {"html/handbook.html.j2": "{% for i in range(10**9) %}{{ i }}{% endfor %}"},
    )
    with pytest.raises(RenderTemplateError, match=r"handbook\.html\.j2:1: OverflowError"):
        render_site(example_catalogue, tmp_path / "site", only="handbook")


def test_symlinked_catalogue_template_is_refused(example_catalogue: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    _with_templates(example_catalogue, {})
    (example_catalogue / "site-templates" / "html").mkdir(parents=True)
    (example_catalogue / "site-templates" / "html" / "strategy.html.j2").symlink_to(secret)
    with pytest.raises(RenderTemplateError, match="regular file"):
        render_site(example_catalogue, tmp_path / "site", only="strategy")


# --- history and CLI ----------------------------------------------------------------------


def test_timeline_from_git_history(example_repo: Path, tmp_path: Path) -> None:
    git(example_repo, "commit", "-q", "--allow-empty", "-m", "unrelated")
    out = tmp_path / "site"
    render_site(example_repo, out)
    page = (out / "services/gate-reviews.html").read_text(encoding="utf-8")
    assert "History from git" in page and "initial catalogue" in page and "Test Analyst" in page
    # a readable date and time, the exact timestamp for machines only
    when = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert when and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", when.group(2)), page
    assert "T" in when.group(1) and when.group(1) not in re.sub(r"<[^>]+>", "", page)
    bare = render_site(example_repo, tmp_path / "bare", with_history=False)
    assert "History from git" not in (tmp_path / "bare" / "services/gate-reviews.html").read_text(
        encoding="utf-8"
    )
    assert bare.written


def test_no_history_outside_git(example_catalogue: Path, tmp_path: Path) -> None:
    render_site(example_catalogue, tmp_path / "site")
    assert "History from git" not in (tmp_path / "site/services/gate-reviews.html").read_text(
        encoding="utf-8"
    )


def test_cli_render(example_catalogue: Path, tmp_path: Path) -> None:
    out = tmp_path / "md"
    result = run_cli(
        "render", "--out", out, "--format", "markdown", "--only", "catalogue", cwd=example_catalogue
    )
    assert result.returncode == 0, result.stderr
    assert "written" in result.stdout + result.stderr
    assert (out / "index.md").is_file() and not (out / "handbook.md").exists()
    assert (
        run_cli("render", "--out", out, "--only", "everything", cwd=example_catalogue).returncode
        == 2
    )
    shutil.rmtree(example_catalogue / "services")
    (example_catalogue / "organisation.yaml").write_text(
        "format: 1\nkind: nonsense\n", encoding="utf-8"
    )
    refused = run_cli("render", "--out", tmp_path / "x", cwd=example_catalogue)
    assert refused.returncode == 1 and "--allow-invalid" in refused.stderr


# --- speed paths must not change the output -------------------------------------------------


def test_worker_pool_renders_the_same_bytes(
    example_catalogue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = render_site(example_catalogue, tmp_path / "serial")
    monkeypatch.setattr(pages, "POOL_THRESHOLD", 4)
    assert pages._workers(20) > 1 or (os.cpu_count() or 1) == 1
    pooled = render_site(example_catalogue, tmp_path / "pooled")
    assert sorted(pooled.written) == sorted(serial.written)
    for rel in serial.written:
        assert (tmp_path / "pooled" / rel).read_bytes() == (tmp_path / "serial" / rel).read_bytes()


def test_kpi_view_lists_the_latest_readings_newest_first() -> None:
    readings = [{"date": f"2026-0{month}-01", "value": month * 10} for month in range(1, 9)]
    kpi = _kpi("higher-is-better", thresholds={"green": 70, "amber": 40}, readings=readings)
    view = kpi_view(kpi)
    assert view.latest is not None and view.latest.value == 80 and view.rag == "green"
    assert [reading.value for reading, _ in view.recent] == [80, 70, 60, 50, 40, 30]
    assert [rag for _, rag in view.recent] == ["green", "green", "amber", "amber", "amber", "red"]
    assert view.earlier == 2 and len(view.history) == 8


@pytest.mark.parametrize("folder", ["../outside", "services/../../outside"])
def test_template_folder_must_be_inside_the_catalogue(
    example_catalogue: Path, tmp_path: Path, folder: str
) -> None:
    (tmp_path / "outside" / "html").mkdir(parents=True)
    config = example_catalogue / "pmoctl.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "render:\n", f"render:\n  templates: {folder}\n"
        ),
        encoding="utf-8",
    )
    # validate reports it (CONFIG-TEMPLATES), so render refuses; and even when allowed
    with pytest.raises(RefusedError, match="1 error"):
        render_site(example_catalogue, tmp_path / "site")
    with pytest.raises(UserError, match="is outside the catalogue"):
        render_site(example_catalogue, tmp_path / "site", allow_invalid=True)
    assert not (tmp_path / "site").exists()


# --- the output folder: nothing outside it is ever written or removed -----------------------


def _tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: a file's bytes, a link's target, a folder's marker."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "link to " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "folder"
        else:
            found[rel] = path.read_bytes()
    return found


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "nested").mkdir(parents=True)
    for name in ("pm-training.html", "index.html", "victim.txt", "nested/old.html"):
        (outside / name).write_text(f"precious {name}\n", encoding="utf-8")
    return outside


@pytest.mark.parametrize("linked", ["services", "static"])
def test_a_linked_folder_in_the_output_is_refused(
    example_catalogue: Path, tmp_path: Path, linked: str
) -> None:
    outside = _outside(tmp_path)
    before = _tree(outside)
    out = tmp_path / "site"
    out.mkdir()
    (out / linked).symlink_to(outside, target_is_directory=True)
    result = run_cli("render", "--out", out, "--no-history", cwd=example_catalogue)
    assert result.returncode == 3, result.stderr
    assert f"{linked} is a symbolic link" in result.stderr, result.stderr
    assert _tree(outside) == before
    assert sorted(p.name for p in out.iterdir()) == [linked]  # nothing staged either


def test_a_hostile_manifest_is_refused_and_nothing_outside_is_touched(
    example_catalogue: Path, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    out = tmp_path / "site"
    render_site(example_catalogue, out, with_history=False)
    (out / "old").symlink_to(outside / "nested", target_is_directory=True)
    manifest = out / MANIFEST
    original = manifest.read_text(encoding="utf-8")
    before = _tree(outside)
    for entry in ("../outside/victim.txt", str(outside / "victim.txt"), "old/old.html"):
        manifest.write_text(
            original.replace('"files": {', f'"files": {{\n  "{entry}": "catalogue",'),
            encoding="utf-8",
        )
        result = run_cli("render", "--out", out, "--no-history", cwd=example_catalogue)
        assert result.returncode == 3, (entry, result.stderr)
        assert "outside the output folder" in result.stderr or "symbolic link" in result.stderr
        assert _tree(outside) == before, entry


def test_links_in_place_of_output_files_are_replaced_not_followed(
    example_catalogue: Path, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    before = _tree(outside)
    out = tmp_path / "site"
    out.mkdir()
    (out / MANIFEST).symlink_to(outside / "victim.txt")
    (out / "index.html").symlink_to(outside / "index.html")
    (out / ".handbook.html.pmoctl.tmp").symlink_to(outside / "pm-training.html")
    result = run_cli("render", "--out", out, "--no-history", cwd=example_catalogue)
    assert result.returncode == 0, result.stderr
    assert _tree(outside) == before
    for name in (MANIFEST, "index.html", "handbook.html"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 100
    assert not (out / ".handbook.html.pmoctl.tmp").exists()


def test_validate_notices_the_templates_folder_appear(example_catalogue: Path) -> None:
    # the folder is not a catalogue file: the validation cache must still see it change
    config = example_catalogue / "pmoctl.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "render:\n", "render:\n  templates: site/templates\n"
        ),
        encoding="utf-8",
    )
    missing = run_cli("validate", cwd=example_catalogue)
    assert missing.returncode == 1 and "CONFIG-TEMPLATES" in missing.stdout + missing.stderr
    (example_catalogue / "site" / "templates").mkdir(parents=True)
    assert run_cli("validate", cwd=example_catalogue).returncode == 0


# --- diagrams -------------------------------------------------------------------------------


def test_long_diagram_labels_wrap_instead_of_being_cut() -> None:
    from pmoctl.render import diagrams

    label = "Meridian Health IT Services <shared> support desk"
    assert diagrams.wrap(label, 174) == ("Meridian Health IT", "Services <shared>", "support desk")
    assert diagrams.wrap("x" * 200, 100)[-1].endswith("…")  # only past MAX_LINES lines
    svg = str(diagrams.dependency_svg([diagrams.Node("a", label)], [], "Map"))
    assert "…" not in svg and svg.count("<tspan") == 3
    assert ">Services &lt;shared&gt;</tspan>" in svg
    sipoc = str(diagrams.sipoc_svg([[label], [], ["1. A step"], [], []], "SIPOC", "s"))
    assert (
        "…" not in sipoc
        and "<tspan" in sipoc
        and f"<title>{label.replace('<', '&lt;').replace('>', '&gt;')}</title>" in sipoc
    )


# --- wording: plurals, numbers, reasons -----------------------------------------------------


def test_wording_of_the_example_site(example_catalogue: Path, tmp_path: Path) -> None:
    render_site(example_catalogue, tmp_path / "html", with_history=False)
    render_site(example_catalogue, tmp_path / "md", "markdown", with_history=False)
    pages = {
        path.relative_to(tmp_path).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(tmp_path.rglob("*"))
        if path.suffix in (".html", ".md")
    }
    everything = "\n".join(pages.values())
    counted = r"activity|activities|services?|readings?|commits?|people|persons?"
    for number, noun in re.findall(rf"\b(\d+) (?:earlier )?({counted})\b", everything):
        singular = noun in ("activity", "service", "reading", "commit", "person")
        assert singular == (number == "1"), f"{number} {noun}"
    assert "Nothing</span>" not in pages["html/index.html"]  # no replacement known: nothing
    assert "Resources needed elsewhere" in pages["html/index.html"]
    assert "Superseded by another service" in pages["html/index.html"]
    assert "Superseded by another service" in pages["md/index.md"]
    # the weighted scores: two decimals each, in both formats
    scores = re.findall(r"<strong>([\d.]+)</strong></td>", pages["html/strategy.html"])
    scores += re.findall(r"^\| \d+ \| \[.*\| ([\d.]+) \|$", pages["md/strategy.md"], re.M)
    assert len(scores) > 10 and all(re.fullmatch(r"\d\.\d\d", score) for score in scores), scores
    css = (tmp_path / "html" / "static" / "style.css").read_text(encoding="utf-8")
    assert re.search(r"\.date[^{]*\{[^}]*white-space:\s*nowrap", css)
    latest = re.findall(
        r'<td class="num">[^<]*<br><span class="([^"]*)">\d{4}-',
        pages["html/services/gate-reviews.html"],
    )
    assert latest and all("date" in classes.split() for classes in latest)


def test_plural_helper() -> None:
    from pmoctl.output.wording import plural

    assert [plural(n, "activity") for n in (0, 1, 2)] == [
        "0 activities",
        "1 activity",
        "2 activities",
    ]
    assert plural(1, "commit") == "1 commit" and plural(3, "person", "people") == "3 people"


def test_a_render_with_warnings_only_says_so_without_an_error(example_repo: Path) -> None:
    result = run_cli("render", "--out", "site", "--no-history", cwd=example_repo, env={
        "PMOCTL_TODAY": "2026-12-01"  # the example owes a reading and a review then: warnings
    })  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr and "note: 2 warnings" in result.stderr


def test_catalogue_templates_and_static_files_are_never_read_through_a_link(
    example_catalogue: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (outside / "static").mkdir(parents=True)
    (outside / "s.j2").write_text("SECRET-TEMPLATE", encoding="utf-8")
    (outside / "static" / "s.css").write_text("SECRET-STATIC", encoding="utf-8")
    _with_templates(
        example_catalogue,
        {"html/strategy.html.j2": '{% include "inc/s.j2" %}', "markdown/x.md.j2": ""},
    )
    (example_catalogue / "site-templates" / "html" / "inc").symlink_to(outside)
    result = run_cli("render", "--out", tmp_path / "site", "--no-history", cwd=example_catalogue)
    assert result.returncode != 0 and "internal error" not in result.stderr
    site = tmp_path / "site"
    assert not any(
        "SECRET" in path.read_text(encoding="utf-8", errors="replace")
        for path in site.rglob("*") if path.is_file()
    )  # fmt: skip
    # a linked html/ folder does not bring its static files in either
    (example_catalogue / "site-templates" / "html" / "inc").unlink()
    (example_catalogue / "site-templates" / "html" / "strategy.html.j2").unlink()
    (example_catalogue / "site-templates" / "html").rmdir()
    (example_catalogue / "site-templates" / "html").symlink_to(outside)
    run_cli("render", "--out", tmp_path / "site2", "--no-history", cwd=example_catalogue)
    assert not (tmp_path / "site2" / "static" / "s.css").exists()

"""The render environment's speed paths write exactly what plain Jinja and markupsafe would."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from pmoctl.render import markup
from pmoctl.render.environment import make_environment, output_escape

VALUES = st.one_of(
    st.text(),
    st.text().map(Markup),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.none(),
)


@settings(max_examples=600, deadline=None)
@given(VALUES)
def test_output_escape_is_markupsafe_escape(value: object) -> None:
    assert output_escape(value) == str(escape(value))


def test_html_templates_compile_outputs_to_output_escape(tmp_path: Path) -> None:
    builtin = make_environment("html", None)
    source = builtin.loader.get_source(builtin, "service.html.j2")[0]  # type: ignore[union-attr]
    assert "environment.output_escape(" in builtin.compile(source, raw=True)
    (tmp_path / "html").mkdir()
    sandboxed = make_environment("html", tmp_path)
    assert "environment.output_escape(" in sandboxed.compile("{{ x }}", raw=True)
    markdown = make_environment("markdown", None)
    assert "output_escape" not in markdown.compile("{{ x }}", raw=True)


def test_outputs_are_escaped_and_markup_is_kept() -> None:
    env = make_environment("html", None)
    page = env.from_string(
        "{{ text }}|{{ plain }}|{{ safe }}|{{ day }}|{{ when }}|{{ number }}|{{ 'x' if none }}"
        "{% autoescape false %}|{{ text }}{% endautoescape %}"
    )
    text = "<script>alert('x') & \"y\"</script>"
    rendered = page.render(
        text=text,
        plain="plain words",
        safe=Markup("<b>kept</b>"),
        day=date(2026, 1, 2),
        when=datetime(2026, 1, 2, 3, 4),
        number=1.5,
        none=None,
    )
    assert rendered == (
        f"{escape(text)}|plain words|<b>kept</b>|2026-01-02|2026-01-02 03:04:00|1.5||{text}"
    )


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_plain_prose_without_the_parser_matches_markdown_it_and_nh3(text: str) -> None:
    expected = markup.sanitise(MarkdownIt("js-default").render(text))
    assert str(markup.markdown_html(text)) == expected

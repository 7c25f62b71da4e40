"""Writing the site: staged files, published only when every page rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmoctl.render.site import RenderTemplateError, render_site
from test_render import _with_templates


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_failed_render_leaves_the_folder_as_it_was(
    example_catalogue: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    render_site(example_catalogue, out)
    before = _files(out)
    # a page late in the run fails, after others were rendered and staged
    _with_templates(example_catalogue, {"html/strategy.html.j2": "{{ site.nmae }}"})
    (example_catalogue / "services" / "gate-reviews.yaml").write_text(
        (example_catalogue / "services" / "gate-reviews.yaml")
        .read_text(encoding="utf-8")
        .replace("name: Stage gate reviews", "name: Stage gate reviews, renamed"),
        encoding="utf-8",
    )
    with pytest.raises(RenderTemplateError):
        render_site(example_catalogue, out)
    assert _files(out) == before  # no temporaries left, nothing half-updated
    fresh = tmp_path / "fresh" / "site"
    with pytest.raises(RenderTemplateError):
        render_site(example_catalogue, fresh)
    assert not (tmp_path / "fresh").exists()  # the folders made for it are gone too


def test_a_link_in_place_of_a_page_is_replaced_not_followed(
    example_catalogue: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("not pmoctl's", encoding="utf-8")
    out = tmp_path / "site"
    (out / "services").mkdir(parents=True)
    (out / "services" / "gate-reviews.html").symlink_to(outside)
    result = render_site(example_catalogue, out)
    page = out / "services" / "gate-reviews.html"
    assert not page.is_symlink() and "Stage gate reviews" in page.read_text(encoding="utf-8")
    assert outside.read_text(encoding="utf-8") == "not pmoctl's"
    assert "services/gate-reviews.html" in result.written

"""The rendered site's trend charts: an inline SVG of each KPI's readings on its service
page and in the catalogue listing, made of numbers and an escaped label."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli


def test_service_pages_and_the_catalogue_show_trend_charts(
    example_catalogue: Path, tmp_path: Path
) -> None:
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: Complete status returns", 'name: "<img src=x onerror=alert(1)>"', 1),
        encoding="utf-8",
    )
    site = tmp_path / "site"
    result = run_cli("render", "-C", str(example_catalogue), "-o", str(site))
    assert result.returncode == 0, result.stderr
    page = (site / "services" / "portfolio-reporting.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="sparkline".*?</svg>', page)
    assert len(charts) == 2
    assert 'aria-label="Trend of Report published on time: ' in charts[0]
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;: 78, 86, 72" in charts[1]
    assert all("<script" not in chart and "href" not in chart for chart in charts)
    listing = (site / "index.html").read_text(encoding="utf-8")
    assert listing.count('<svg class="sparkline"') >= 8
    # one reading is no trend: no chart for it
    gate = (site / "services" / "gate-reviews.html").read_text(encoding="utf-8")
    assert gate.count('<svg class="sparkline"') == 1

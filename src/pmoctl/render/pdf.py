"""PDF for board papers: an HTML page laid out by WeasyPrint.

Why WeasyPrint and not the headless Chromium the browser tests drive: it is a Python
package (installed and audited with pmoctl's other dependencies, ``pmoctl[pdf]``), it
runs in-process without a browser sandbox to switch off, it runs no script, and it lays
out CSS paged media (page size, page numbers in the margins) as board papers need. Its
one system need is Pango, which every Linux distribution packages.

Nothing is fetched while a PDF is made: the fetcher allows ``data:`` URLs only, so a
link or image in the catalogue cannot make pmoctl read a file or reach the network.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pmoctl.errors import UserError

INSTALL_HINT = (
    "install the PDF extra: pip install 'pmoctl[pdf]' (WeasyPrint); it needs Pango "
    "(Debian and Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
)


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as missing:  # OSError: the Pango library is not there
        raise UserError(f"--format pdf needs WeasyPrint: {missing}", hint=INSTALL_HINT) from None
    # WeasyPrint logs every CSS property it does not support; the pages are ours
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


def pdf_bytes(html: str, stylesheets: tuple[str, ...] = ()) -> bytes:
    """The PDF of one HTML document (with extra CSS, e.g. a site's style sheet)."""
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"])
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    css = [weasyprint.CSS(string=text, url_fetcher=fetcher) for text in stylesheets]
    data: bytes = document.write_pdf(stylesheets=css)
    return data


def write_pdf(html: str, target: Path, stylesheets: tuple[str, ...] = ()) -> None:
    target.write_bytes(pdf_bytes(html, stylesheets))

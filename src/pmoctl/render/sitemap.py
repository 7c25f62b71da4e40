"""The pages of a rendered site and its navigation, declared once.

:func:`pmoctl.render.pages.plan` makes the pages from this list, the templates make the
navigation from it (the ``nav`` variable) and ``pmoctl render --only`` offers its
sections. Nothing heavy is imported here: the command line reads it to build its choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Section(StrEnum):
    """A part of the site, rendered alone with ``--only``."""

    CATALOGUE = "catalogue"
    HANDBOOK = "handbook"
    STRATEGY = "strategy"


@dataclass(frozen=True, slots=True)
class SitePage:
    section: Section
    #: the template's name without its format's suffix (``.html.j2``, ``.md.j2``)
    template: str
    #: the page's file name without its extension
    stem: str
    #: the page's title (``page.title``), and its label in the navigation
    title: str
    label: str
    #: a folder whose pages count as this one in the navigation (``aria-current``)
    covers: str = ""


#: the overview pages, in the order of the navigation and of rendering
PAGES: tuple[SitePage, ...] = (
    SitePage(
        Section.CATALOGUE, "catalogue", "index", "Service catalogue", "Catalogue", "services/"
    ),
    SitePage(Section.CATALOGUE, "map", "map", "Service map", "Service map"),
    SitePage(
        Section.HANDBOOK, "handbook", "handbook", "Operations handbook", "Operations handbook"
    ),
    SitePage(Section.STRATEGY, "strategy", "strategy", "Service strategy", "Strategy"),
)
#: the section holding a page per service, rendered after its overview pages
SERVICE_SECTION = Section.CATALOGUE
SECTIONS = tuple(section.value for section in Section)


def navigation(extension: str) -> list[dict[str, str]]:
    """The ``nav`` variable of the templates: label, href (from the site root) and covers."""
    return [
        {"label": page.label, "href": f"{page.stem}.{extension}", "covers": page.covers}
        for page in PAGES
    ]

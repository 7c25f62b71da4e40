"""Where pmoctl's data folders are: inside an installed wheel, or in the source tree.

The wheel ships the repository's top-level ``schemas/`` and ``templates/`` folders inside
the package (``pmoctl/schemas``, ``pmoctl/templates``; hatchling ``force-include``). In a
source checkout (an editable install, or running the tests) they are not copied there, so
the same names are looked up at the repository's top level, two folders above the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pmoctl.errors import PmoctlError

DataFolder = Literal["schemas", "templates"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: DataFolder) -> Path:
    """The folder ``name`` as installed with the package, else as found in the source tree."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise PmoctlError(
        f"pmoctl's {name}/ folder is missing from this installation",
        hint="reinstall pmoctl (the wheel ships it as pmoctl/" + name + ")",
    )


def template_text(rel: str) -> str:
    """A template under ``templates/`` by its POSIX path, e.g. ``scaffold/service.yaml``."""
    return (data_dir("templates") / rel).read_text(encoding="utf-8")

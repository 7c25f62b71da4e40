"""`pmoctl report`: the monthly pack written as HTML, Markdown, a workbook and PDF.

The pack's data is :mod:`pmoctl.operations.pack`; here it becomes files, named
``pmo-report-YYYY-MM.<ext>`` in the output folder. The output folder must be a real
folder (created if missing; a file or a symbolic link there is refused). Every file is
written beside its target first and moved into place once all of them are made, so a
failed run leaves the folder as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pmoctl.catalogue.files import COLLECTIONS
from pmoctl.errors import UserError
from pmoctl.operations.pack import DUE_WINDOW_DAYS, Pack, build_pack, parse_month
from pmoctl.render.environment import make_environment
from pmoctl.render.pdf import pdf_bytes
from pmoctl.render.site import check_catalogue
from pmoctl.render.sparkline import sparkline
from pmoctl.render.workbook import workbook_bytes

PackFormat = Literal["html", "md", "xlsx", "pdf"]
PACK_FORMATS: tuple[PackFormat, ...] = ("html", "md", "xlsx", "pdf")


@dataclass
class PackResult:
    pack: Pack
    #: the files written, in the folder as it was given
    written: list[Path] = field(default_factory=list)


def _people(pack: Pack) -> dict[str, str]:
    organisation = pack.catalogue.organisation
    return {person.id: person.name for person in organisation.people} if organisation else {}


def _variables(pack: Pack, generated: str | None) -> dict[str, object]:
    return {
        "pack": pack,
        "people": _people(pack),
        "due_days": DUE_WINDOW_DAYS,
        "generated": generated,
    }


def pack_html(pack: Pack, generated: str | None = None) -> str:
    """The pack as one self-contained HTML page (its styles inline, no script)."""
    spark = {
        f"{row['service']}/{row['kpi']}": sparkline(row["recent"], row["name"], rag=row["rag"])
        for row in pack.kpis
    }
    env = make_environment("html", None)
    return env.get_template("pack.html.j2").render(**_variables(pack, generated), spark=spark)


def pack_markdown(pack: Pack, generated: str | None = None) -> str:
    env = make_environment("markdown", None)
    return env.get_template("pack.md.j2").render(**_variables(pack, generated))


def pack_bytes(pack: Pack, fmt: PackFormat) -> bytes:
    if fmt == "xlsx":
        return workbook_bytes(pack)
    if fmt == "pdf":
        return pdf_bytes(pack_html(pack))
    text = pack_markdown(pack) if fmt == "md" else pack_html(pack)
    return text.encode("utf-8")


def output_folder(root: Path, out: Path) -> Path:
    """``out`` as a real folder outside the catalogue's own files (made if missing)."""
    root, out = root.absolute(), out.absolute()
    if out == root or root in out.parents and out.relative_to(root).parts[0] in COLLECTIONS:
        raise UserError(
            f"{out} is inside the catalogue's own files", hint="write the pack to another folder"
        )
    try:
        info = out.lstat()
    except FileNotFoundError:
        out.mkdir(parents=True)
        return out
    if stat.S_ISLNK(info.st_mode):
        raise UserError(
            f"{out} is a symbolic link; pmoctl report writes only into a real folder",
            hint="name the folder the link points to, or another folder",
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UserError(f"{out} is not a folder", hint="name a folder (created if missing)")
    return out


def write_pack(
    root: Path,
    out: Path,
    period: str,
    formats: tuple[PackFormat, ...],
    *,
    today: dt.date,
    allow_invalid: bool = False,
) -> PackResult:
    """Build the pack of ``period`` and write it in each of ``formats`` into ``out``."""
    unknown = [fmt for fmt in formats if fmt not in PACK_FORMATS]
    if unknown or not formats:
        raise UserError(
            f"unknown pack format {unknown[0]!r}" if unknown else "no pack format given",
            hint="formats: " + ", ".join(PACK_FORMATS),
        )
    month = parse_month(period, today)
    catalogue, _ = check_catalogue(root, allow_invalid)
    pack = build_pack(root, catalogue, month, today)
    contents = {fmt: pack_bytes(pack, fmt) for fmt in dict.fromkeys(formats)}
    folder = output_folder(root, out)
    result = PackResult(pack)
    staged: list[tuple[Path, Path]] = []
    try:
        for fmt, data in contents.items():
            target = folder / f"pmo-report-{month.label}.{fmt}"
            temporary = folder / f".{target.name}.pmoctl.tmp"
            staged.append((temporary, target))
            temporary.unlink(missing_ok=True)  # never write through a link left there
            with temporary.open("xb") as file:
                file.write(data)
        for temporary, target in staged:
            os.replace(temporary, target)  # a link standing there is replaced, not followed
            result.written.append(out / target.name)  # as the user named the folder
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return result

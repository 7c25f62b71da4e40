"""Reporters: the only module that writes findings and messages for people or machines.

Formats (:class:`Format`, the one list of them): ``text`` (rich colour on a terminal, plain
when piped), ``json``, ``github`` (workflow-command annotations), ``sarif`` (2.1.0) and
``junit``, each written by its entry in :data:`WRITERS`. What is written is escaped by
:mod:`.text`, and the machine formats are built by :mod:`.formats`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import IO, Any

from pmoctl.findings import Finding, Severity
from pmoctl.output.formats import as_json, as_junit, as_sarif, github_annotation
from pmoctl.output.text import json_text, location, printable, summary_line, text_line

__all__ = ["Format", "json_text", "location", "printable", "summary_line", "text_line"]


class Format(StrEnum):
    """The output formats of findings (``--format``)."""

    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


def use_colour(stream: IO[str], no_colour: bool) -> bool:
    if no_colour or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def write_findings(
    findings: Sequence[Finding],
    fmt: Format | str,
    *,
    files: int = 0,
    stream: IO[str] | None = None,
    no_colour: bool = False,
    tool_name: str = "pmoctl validate",
    path_prefix: str = "",
) -> None:
    """Write ``findings`` in ``fmt``.

    ``path_prefix`` is the catalogue's folder in its repository: GitHub annotations and
    SARIF locations are relative to the repository, not to the catalogue.
    """
    out = stream or sys.stdout
    if path_prefix and fmt in (Format.github, Format.sarif):
        findings = [replace(finding, path=f"{path_prefix}/{finding.path}") for finding in findings]
    if fmt == Format.text:
        _text(findings, files, out, use_colour(out, no_colour))
    else:
        out.write(WRITERS[Format(fmt)](findings, files, tool_name))


def _github(findings: Sequence[Finding], files: int, tool_name: str) -> str:
    lines = [github_annotation(finding) for finding in findings]
    return "\n".join([*lines, summary_line(findings, files)]) + "\n"


#: the text each machine format writes for ``(findings, files, tool name)``
WRITERS: dict[Format, Callable[[Sequence[Finding], int, str], str]] = {
    Format.json: lambda findings, files, _: json_text(as_json(findings, files)) + "\n",
    Format.github: _github,
    Format.sarif: lambda findings, _, __: json_text(as_sarif(findings)) + "\n",
    Format.junit: as_junit,
}


def _text(findings: Sequence[Finding], files: int, out: IO[str], colour: bool) -> None:
    if colour:
        from rich.console import Console
        from rich.text import Text

        console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
        for finding in findings:
            style = "bold red" if finding.severity is Severity.ERROR else "bold yellow"
            line = Text()
            line.append(location(finding), style="bold")
            line.append(": ")
            line.append(finding.severity.value, style=style)
            line.append(f" [{finding.rule}] ", style="cyan")
            line.append(printable(finding.message))
            console.print(line)
            if finding.hint:
                console.print(Text("    hint: " + printable(finding.hint), style="dim"))
        console.print(Text(summary_line(findings, files), style="bold"))
        return
    for finding in findings:
        out.write(text_line(finding) + "\n")
        if finding.hint:
            out.write(f"    hint: {printable(finding.hint)}\n")
    out.write(summary_line(findings, files) + "\n")


def error(message: str, hint: str = "", *, stream: IO[str] | None = None) -> None:
    """A one-off message for a person (an error that is not a finding)."""
    out = stream or sys.stderr
    out.write(f"pmoctl: error: {printable(message)}\n")
    if hint:
        out.write(f"    hint: {printable(hint)}\n")


def internal_error(bug: BaseException, *, stream: IO[str] | None = None) -> None:
    """One line for a bug in pmoctl: the exception's class only, never its text or locals."""
    error(
        f"internal error ({type(bug).__name__}); this is a bug in pmoctl",
        "run again with --debug for the traceback, and report it",
        stream=stream,
    )


def info(message: str, *, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    out.write(message + "\n")
    out.flush()


# --- pmoctl check: what the pull request changed, and the GitHub step summary -----------
# ``changes`` is plain data (see ``CheckResult.changes``): base_ref, base, merge_base,
# added, moved [{service, from, to}], edited, deleted, renamed [{from, to}], other_files.
# ``moved`` holds every service whose stage changed, by pmoctl transition or by hand (which
# the findings report), so people read "changed stage", not "moved".

#: characters that would start emphasis, code, a link, a heading or a table cell
_MARKDOWN_SPECIAL = str.maketrans({ch: f"\\{ch}" for ch in "\\`*_{}[]#|~"})
_SUMMARY_ROWS = 100


def write_check(
    findings: Sequence[Finding],
    fmt: str,
    *,
    files: int,
    changes: dict[str, Any],
    stream: IO[str] | None = None,
    no_colour: bool = False,
    path_prefix: str = "",
) -> None:
    """The findings of `pmoctl check` in ``fmt``, with what changed since the base
    (``path_prefix`` as for :func:`write_findings`)."""
    out = stream or sys.stdout
    if fmt == "json":
        document = as_json(findings, files)
        document["changes"] = changes
        out.write(json_text(document) + "\n")
        return
    write_findings(findings, fmt, files=files, stream=out, no_colour=no_colour,
                   tool_name="pmoctl check", path_prefix=path_prefix)  # fmt: skip
    if fmt in ("text", "github"):
        for line in change_lines(changes):
            out.write(line + "\n")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(check_markdown(findings, files, changes))


def change_lines(changes: dict[str, Any]) -> list[str]:
    moved = changes["moved"]
    lines = [
        f"compared with {printable(changes['base_ref'])} (merge-base "
        f"{changes['merge_base'][:10]}): {_counts(changes)}"
    ]
    for item in moved:
        lines.append(f"  changed stage: {item['service']} {item['from']} -> {item['to']}")
    for key in ("added", "edited", "deleted"):
        lines.extend(f"  {key}: {ident}" for ident in changes[key])
    lines.extend(f"  renamed: {item['from']} -> {item['to']}" for item in changes["renamed"])
    return [printable(line) for line in lines]


def _counts(changes: dict[str, Any]) -> str:
    added = len(changes["added"])
    parts = [f"{added} service{'s' * (added != 1)} added", f"{len(changes['moved'])} changed stage",
             f"{len(changes['edited'])} edited"]  # fmt: skip
    parts += [f"{len(changes[key])} {key}" for key in ("deleted", "renamed") if changes[key]]
    other = changes["other_files"]
    return ", ".join(parts) + f"; {other} other file{'s' * (other != 1)} changed"


def markdown_text(text: str) -> str:
    """Text for a Markdown page: one line, HTML and Markdown syntax shown literally."""
    one_line = printable(text)
    html = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return html.translate(_MARKDOWN_SPECIAL)


def check_markdown(findings: Sequence[Finding], files: int, changes: dict[str, Any]) -> str:
    """The job summary GitHub shows on the run's page."""
    moved = [f"{m['service']} ({m['from']} → {m['to']})" for m in changes["moved"]]
    renamed = [f"{r['from']} → {r['to']}" for r in changes["renamed"]]
    rows = [
        ("Added", changes["added"]),
        ("Changed stage", moved),
        ("Edited", changes["edited"]),
        ("Deleted", changes["deleted"]),
        ("Renamed", renamed),
    ]
    lines = [
        "## pmoctl check",
        "",
        f"Compared with {markdown_text(changes['base_ref'])} "
        f"(merge-base {markdown_text(changes['merge_base'][:10])}).",
        "",
        "| Services | |",
        "|---|---|",
    ]
    lines += [f"| {name} | {markdown_text(', '.join(ids)) or '–'} |" for name, ids in rows]
    lines += ["", f"**{markdown_text(summary_line(findings, files))}**", ""]
    if findings:
        lines += ["| Where | Severity | Rule | Problem |", "|---|---|---|---|"]
        for finding in findings[:_SUMMARY_ROWS]:
            lines.append(
                f"| {markdown_text(location(finding))} | {finding.severity.value} | "
                f"{markdown_text(finding.rule)} | {markdown_text(finding.message)} |"
            )
        if len(findings) > _SUMMARY_ROWS:
            lines.append(f"\n… and {len(findings) - _SUMMARY_ROWS} more (see the log).")
    return "\n".join(lines) + "\n\n"


# --- generic printers: lines on stderr, JSON, CSV, rich renderables ---------------------


def error_line(message: str, hint: str = "", *, stream: IO[str] | None = None) -> None:
    """Lines of detail on stderr (a refused move's findings, a hook's output), each escaped."""
    out = stream or sys.stderr
    for line in message.rstrip("\n").split("\n"):
        out.write(printable(line) + "\n")
    if hint:
        out.write(f"    hint: {printable(hint)}\n")


def write_json(data: Any, *, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    out.write(json_text(data) + "\n")


def write_csv(rows: Sequence[dict[str, Any]], *, stream: IO[str] | None = None) -> None:
    """Rows as CSV, one line each; lists are joined with ';', control characters other than
    tab are written as escapes (as in text), and cells that a spreadsheet would run as a
    formula (starting with = + - @ or a tab) are prefixed with a quote."""
    import csv

    out = stream or sys.stdout
    if not rows:
        return
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_cell(value) for key, value in row.items()})


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):  # a number is a number, never a formula
        return str(value)
    text = ";".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    text = "\t".join(printable(part) for part in text.split("\t"))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def rich_print(renderable: Any, *, no_colour: bool = False, stream: IO[str] | None = None) -> None:
    """Print a rich renderable (table, panel, group): coloured on a terminal, plain when piped.

    Callers build renderables from ``rich.text.Text`` objects, so no user string is ever
    read as rich markup.
    """
    from rich.console import Console

    out = stream or sys.stdout
    colour = use_colour(out, no_colour)
    console = Console(
        file=out,
        highlight=False,
        emoji=False,
        markup=False,
        no_color=not colour,
        force_terminal=colour,
        width=None if out.isatty() else 120,
    )
    console.print(renderable)

"""Loading one catalogue file: read, parse, validate against its model, find its waivers.

Apart from the pipeline so that worker processes (:mod:`pmoctl.catalogue.workers`) import
only this: a worker started by spawning imports what it needs afresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from pmoctl.catalogue.modeline import modeline_findings
from pmoctl.catalogue.models import MODELS_BY_KIND
from pmoctl.catalogue.schema_errors import validate
from pmoctl.findings import Finding, Severity
from pmoctl.yaml.loader import MAX_BYTES, LoadError, parse, read_text
from pmoctl.yaml.truthy import with_truthy_findings

_WAIVER = re.compile(r"#\s*pmoctl:\s*waive\s+([A-Z][A-Z0-9-]*)\b[ \t]*(?:--|:|—)?[ \t]*(.*)$")


@dataclass(frozen=True, slots=True)
class Waiver:
    path: str
    line: int
    column: int
    rule: str
    reason: str


@dataclass
class LoadedFile:
    """What loading one file gave: a model (or None), its findings and its waivers."""

    rel: str
    kind: str
    model: BaseModel | None
    findings: list[Finding] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)


def load_file(root: Path, rel: str, kind: str, max_bytes: int = MAX_BYTES) -> LoadedFile:
    """Read, parse and validate one file. Never raises for anything in the file."""
    loaded = LoadedFile(rel, kind, None)
    try:
        text = read_text(root, rel, max_bytes)
        data = parse(text)
    except LoadError as error:
        loaded.findings.append(
            Finding(
                rel, error.line, error.column, Severity.ERROR, error.rule, error.message, error.hint
            )
        )
        return loaded
    if "pmoctl:" in text:
        loaded.waivers = list(waivers_in(rel, text))
    loaded.model, schema_findings = validate(MODELS_BY_KIND[kind], data, rel, text)
    loaded.findings.extend(schema_findings)
    loaded.findings = with_truthy_findings(rel, text, loaded.findings)
    loaded.findings.extend(modeline_findings(rel, kind, text))
    return loaded


def waivers_in(rel: str, text: str) -> Iterable[Waiver]:
    """The inline waivers (``# pmoctl: waive RULE-ID -- reason``) in ``text``, the file
    ``rel``, with their line and column."""
    for number, line in enumerate(text.splitlines(), start=1):
        if "pmoctl:" not in line:
            continue
        match = _WAIVER.search(line)
        if match:
            yield Waiver(rel, number, match.start() + 1, match.group(1), match.group(2).strip())

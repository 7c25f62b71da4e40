"""Generated blocks in documentation: text between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->`` markers that a test regenerates and compares."""

from __future__ import annotations

import os
import re
from pathlib import Path

UPDATE = os.environ.get("PMOCTL_UPDATE_DOCS") == "1"


def between(text: str, name: str) -> str | None:
    match = re.search(rf"<!-- {name}:start -->(.*?)<!-- {name}:end -->", text, flags=re.DOTALL)
    return match.group(1) if match else None


def check_block(path: Path, name: str, expected: str, update: bool = UPDATE) -> None:
    """Fail when the block differs from ``expected``; with ``update``, rewrite it instead."""
    text = path.read_text(encoding="utf-8")
    found = between(text, name)
    assert found is not None, f"{path.name} has no <!-- {name}:start/end --> markers"
    if found != expected and update:
        start = text.index(f"<!-- {name}:start -->") + len(f"<!-- {name}:start -->")
        text = text[:start] + expected + text[text.index(f"<!-- {name}:end -->") :]
        path.write_text(text, encoding="utf-8")
        return
    assert found == expected, (
        f"{path.name}: the {name} block is stale; rerun the test with PMOCTL_UPDATE_DOCS=1"
    )

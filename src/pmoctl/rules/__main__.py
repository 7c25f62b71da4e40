"""``python -m pmoctl.rules [OUT]``: write docs/rules.md (run from the repository root)."""

from __future__ import annotations

import sys
from pathlib import Path

from pmoctl.rules.doc import examples_from_cases, rules_markdown


def main(argv: list[str]) -> int:
    cases = Path("tests/cases")
    text = rules_markdown(examples_from_cases(cases) if cases.is_dir() else {})
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

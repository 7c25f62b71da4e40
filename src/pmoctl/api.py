"""The small Python API behind the commands that have no module of their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pmoctl.errors import UserError


def resolve_targets(paths: list[Path]) -> tuple[Path, list[str] | None]:
    """The catalogue root and, when files were named, their paths relative to it."""
    from pmoctl.catalogue.files import find_root

    if not paths:
        return find_root(Path.cwd()), None
    roots: set[Path] = set()
    only: list[str] = []
    whole = False
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UserError(f"{path} does not exist")
        root = find_root(path)
        roots.add(root)
        if path.is_dir() and not path.is_symlink():
            whole = True
        else:
            only.append(path.absolute().relative_to(root).as_posix())
    if len(roots) > 1:
        raise UserError(
            "the paths are in different catalogues: " + ", ".join(sorted(map(str, roots))),
            hint="validate one catalogue at a time",
        )
    return roots.pop(), (None if whole else only)


def rules_listing(*, as_json: bool = False) -> str:
    from pmoctl.rules import all_rules

    rules = all_rules().values()
    if as_json:
        return json.dumps(
            [
                {
                    "id": rule.id,
                    "severity": rule.severity.value,
                    "summary": rule.summary,
                    "explanation": rule.explanation,
                }
                for rule in rules
            ],
            indent=2,
        )
    width = max(len(rule.id) for rule in rules)
    return "\n".join(
        f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.summary}" for rule in rules
    )


def explain_rule(rule_id: str) -> str:
    import difflib
    import textwrap

    from pmoctl.rules import all_rules

    rules = all_rules()
    rule = rules.get(rule_id.upper())
    if rule is None:
        close = difflib.get_close_matches(rule_id.upper(), list(rules), n=1)
        raise UserError(
            f"no rule {rule_id!r}",
            hint=(f"did you mean {close[0]}? " if close else "") + "`pmoctl rules` lists them",
        )
    body = textwrap.fill(rule.explanation, width=88)
    return f"{rule.id} ({rule.severity.value} by default)\n{rule.summary}\n\n{body}\n"


SCHEMA_BASE_URI = "https://pmoctl.example/schemas/v1/"


def schema_documents() -> dict[str, dict[str, Any]]:
    """One JSON Schema per document kind, keyed by file name."""
    from pmoctl.catalogue.models import MODELS_BY_KIND

    documents = {}
    for kind, model in MODELS_BY_KIND.items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        name = f"{kind}.schema.json"
        documents[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_BASE_URI + name,
            "title": f"pmoctl {kind} (format 1)",
            **schema,
        }
    return documents


def schema_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schemas(target: Path, *, check: bool = False) -> list[str]:
    """Write (or with ``check`` only compare) the schemas; return the names that differed."""
    stale = []
    for name, document in schema_documents().items():
        text = schema_text(document)
        path = target / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current == text:
            continue
        stale.append(name)
        if not check:
            target.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return stale

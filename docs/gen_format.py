"""Generate the key tables of docs/format.md from the models' JSON Schemas.

    python docs/gen_format.py           rewrite the tables in docs/format.md
    python docs/gen_format.py --check   exit 1 if they are stale (tests/test_schemas.py)

Everything in the tables comes from the schemas that ``pmoctl schema`` writes: types,
required keys, allowed values, defaults, and the meaning of each key, which is the
``description`` of its field in the models (the same sentence an editor shows on hover).
So the documentation cannot drift from the models; a key the models gain without a
description stops the generator (and the test).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent / "format.md"
BEGIN = "<!-- BEGIN GENERATED: {name} (docs/gen_format.py) -->"
END = "<!-- END GENERATED: {name} -->"
ID = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = {**schema["$defs"][node["$ref"].rsplit("/", 1)[-1]], **_without(node, "$ref")}
    return node


def _without(node: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in node.items() if name != key}


def _alternatives(schema: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a node (an optional value is `oneOf [X, null]`)."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [_resolve(schema, alt) for alt in node[key] if alt.get("type") != "null"]
    return [node]


def _type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    parts = [_one_type(schema, alt) for alt in _alternatives(schema, node)]
    return " or ".join(dict.fromkeys(parts))


def _one_type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    kind = node.get("type")
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    if kind == "array":
        text = "list of " + _type(schema, node["items"])
        return text + (f" (at least {node['minItems']})" if node.get("minItems") else "")
    if kind == "object":
        if node.get("properties"):
            return "mapping"
        key, value = next(iter(node.get("patternProperties", {".*": {}}).items()))
        keys = "id" if key == ID else "rule id" if key.startswith("^[A-Z]") else "text"
        return f"mapping of {keys} to {_type(schema, value)}"
    if kind == "string":
        return _string(node)
    if kind in ("integer", "number"):
        name = "whole number" if kind == "integer" else "number"
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum")
        if low is not None and high is not None:
            above = "above " if "exclusiveMinimum" in node else ""
            return f"{name}, {above}{_num(low)} to {_num(high)}"
        if low is not None:
            return f"{name}, at least {_num(low)}"
        return name
    if kind == "boolean":
        return "`true` or `false`"
    return kind or "any"


def _string(node: dict[str, Any]) -> str:
    pattern = node.get("pattern", "")
    if node.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if pattern == ID:
        return "id"
    if pattern.startswith("^@"):
        return "handle (`@user` or `@org/team`)"
    if "@" in pattern:
        return "e-mail address"
    if pattern.startswith("^(https?"):
        return "URL"
    if pattern == "^[A-Z]{3}$":
        return "three capital letters"
    if pattern == "^[a-z0-9-]{1,64}$":
        return "code (lower-case letters, digits, hyphens)"
    if pattern:  # the words the editor and pmoctl use for it
        from pmoctl.catalogue.models.common import PATTERN_HELP

        name, form = PATTERN_HELP[pattern]
        return f"{name.split(' ', 1)[1]}: {form}"
    if node.get("maxLength"):
        return f"text, up to {_num(node['maxLength'])} characters"
    return "text"


def _num(value: float) -> str:
    return f"{value:,}".replace(",", " ") if isinstance(value, int) else str(value)


def _default(node: dict[str, Any]) -> str:
    if "default" not in node or node["default"] in (None, [], {}):
        return ""
    value = node["default"]
    if isinstance(value, dict):
        value = {key: item for key, item in value.items() if item not in (None, [], {})}
        if not value:
            return ""
    return f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`"


def rows(kind: str, schema: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(key path, type, required, default, meaning) for every key of a document kind."""
    found: list[tuple[str, str, str, str, str]] = []
    missing: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for alt in _alternatives(schema, node):
            if alt.get("type") == "array":
                walk(alt["items"], prefix + "[]")
            elif alt.get("type") == "object" and alt.get("properties"):
                required = set(alt.get("required", []))
                for name, child in alt["properties"].items():
                    path = f"{prefix}.{name}" if prefix else name
                    meaning = child.get("description")
                    if meaning is None:
                        missing.append(f"{kind}:{path}")
                    found.append(
                        (
                            path,
                            _type(schema, child),
                            "yes" if name in required else "",
                            _default(child),
                            meaning or "",
                        )
                    )
                    walk(child, path)
            elif alt.get("type") == "object":
                for child in alt.get("patternProperties", {}).values():
                    walk(child, prefix + "{}")

    walk(schema, "")
    if missing:
        raise SystemExit("docs/gen_format.py: no description in the models: " + ", ".join(missing))
    return found


def table(kind: str, schema: dict[str, Any]) -> str:
    lines = ["| Key | Type | Required | Default | Meaning |", "|---|---|---|---|---|"]
    for path, type_text, required, default, meaning in rows(kind, schema):
        cells = [f"`{path}`", type_text, required, default, meaning]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def stages_table() -> str:
    """What a service needs in each stage (:data:`catalogue.lifecycle.STAGE_REQUIREMENTS`)."""
    from pmoctl.catalogue.lifecycle import REQUIREMENTS, STAGE_REQUIREMENTS

    lines = ["| Stage | The service needs |", "|---|---|"]
    for stage, names in STAGE_REQUIREMENTS.items():
        needs = "; ".join(REQUIREMENTS[name].description for name in names) or "nothing more"
        lines.append(f"| `{stage.value}` | {needs} |")
    return "\n".join(lines)


def closure_reasons() -> str:
    from pmoctl.catalogue.lifecycle import CLOSURE_REASONS

    return ", ".join(f"`{reason}`" for reason in CLOSURE_REASONS)


def blocks() -> dict[str, str]:
    """Every generated block of docs/format.md by name."""
    from pmoctl.api import schema_documents
    from pmoctl.catalogue import lifecycle

    generated = {
        f"keys of {name.removesuffix('.schema.json')}": table(
            name.removesuffix(".schema.json"), schema
        )
        for name, schema in schema_documents().items()
    }
    generated["lifecycle moves"] = lifecycle.moves_table().rstrip("\n")
    generated["stage requirements"] = stages_table()
    generated["closure reasons"] = closure_reasons()
    return generated


def render(text: str) -> str:
    """``text`` (docs/format.md) with every generated block brought up to date."""
    for name, content in blocks().items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"docs/format.md has no `{begin}` ... `{end}` block")
        block = f"{begin}\n{content}\n{end}"
        text = pattern.sub(lambda _match, block=block: block, text)
    return text


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("docs/format.md is stale: run `python docs/gen_format.py`", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        DOC.write_text(fresh, encoding="utf-8")
        print("updated docs/format.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

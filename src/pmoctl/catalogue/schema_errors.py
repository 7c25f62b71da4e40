"""Turn pydantic validation errors into findings at YAML positions, with hints.

pydantic's own messages are not used verbatim: they can echo input, and they do not say
how to fix anything. Each error type gets a message of ours and, where it helps, a hint
(the allowed values, the closest known key, "quote it").
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from pmoctl.catalogue.models.common import PATTERN_HELP, Model
from pmoctl.catalogue.schema_pieces import BUDGET, size_of, validate_in_pieces
from pmoctl.findings import DocPath, Finding, Severity
from pmoctl.yaml.loader import Locator

_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD) without a time",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
}


#: schema findings reported per file; one more finding says how many were left out
MAX_FINDINGS = 100


def validate(
    model: type[BaseModel], data: Any, rel: str, text: str
) -> tuple[BaseModel | None, list[Finding]]:
    """The model of ``data``, or no model and its schema findings (at most :data:`MAX_FINDINGS`
    and one that counts the rest).

    A large document is validated in pieces (:mod:`pmoctl.catalogue.schema_pieces`): pydantic holds
    every error of a validation, and a small file can cause hundreds of thousands.
    """
    if size_of(data) <= BUDGET:
        try:
            return model.model_validate(data), []
        except ValidationError as error:
            return None, findings_from(error, model, rel, text)
    result = validate_in_pieces(model, data)
    if not result.count:
        return model.model_validate(data), []
    return None, _findings(result.errors, result.count, model, rel, text)


def findings_from(
    error: ValidationError, model: type[BaseModel], rel: str, text: str
) -> list[Finding]:
    """One finding per pydantic error, located in ``text`` (capped: :func:`validate`)."""
    items = error.errors(include_url=False, include_context=True, include_input=True)
    return _findings(items, len(items), model, rel, text)


def _findings(
    items: list[Any], count: int, model: type[BaseModel], rel: str, text: str
) -> list[Finding]:
    """Findings for ``items``, the first of ``count`` errors; the first ones by position.

    ``count - len(items)`` errors were only counted (a large document): they add to the
    number of those left out as they are, a misspelt key and its missing key as two.
    """
    locator = Locator(text)
    findings = []
    for item in items:
        loc: DocPath = tuple(item["loc"])
        rule, message, hint, at_key = _describe(item, model, loc)
        line, column = locator.locate(loc, at_key=at_key)
        findings.append(
            Finding(rel, line, column, Severity.ERROR, rule, message, hint, doc_path=loc)
        )
    findings = _one_finding_per_union(_one_finding_per_typo(findings))
    more = count - len(items) + len(findings) - MAX_FINDINGS
    if more <= 0:
        return findings
    findings.sort(key=Finding.sort_key)
    shown, hidden = findings[:MAX_FINDINGS], findings[MAX_FINDINGS:]
    # where the first problem not listed starts, past the last one listed (several
    # errors of one mapping share its position): so this finding comes last
    last = shown[-1].line, shown[-1].column
    at = next((f for f in hidden if (f.line, f.column) > last), shown[-1])
    problems = "schema problem" if more == 1 else "schema problems"
    shown.append(
        Finding(
            rel,
            at.line,
            at.column,
            Severity.ERROR,
            "SCHEMA-MORE",
            f"... and {more:,} more {problems} in this file",
            f"only the first {MAX_FINDINGS} are listed; fix them and validate again",
        )
    )
    return shown


def _one_finding_per_union(findings: list[Finding]) -> list[Finding]:
    """A value that fits no branch of a union fails each branch: keep the telling ones.

    When the value is of the right type for some branch (a severity word that is not one of
    the allowed words), the other branches' "must be a mapping" says nothing useful.
    """
    groups: dict[tuple[str, DocPath], list[Finding]] = {}
    for finding in findings:
        path = finding.doc_path or ()
        cut = next((index for index, element in enumerate(path) if _is_branch(element)), None)
        if cut is not None:
            groups.setdefault((finding.path, path[:cut]), []).append(finding)
    dropped: set[int] = set()
    for group in groups.values():
        if any(finding.rule != "SCHEMA-TYPE" for finding in group):
            dropped.update(id(finding) for finding in group if finding.rule == "SCHEMA-TYPE")
    return [finding for finding in findings if id(finding) not in dropped]


def _one_finding_per_typo(findings: list[Finding]) -> list[Finding]:
    """A misspelt key is unknown, and the key it should be is missing: report it once."""
    misspelt = {
        (finding.doc_path[:-1], match.group(1))
        for finding in findings
        if finding.rule == "SCHEMA-UNKNOWN-KEY"
        and finding.doc_path
        and (match := _DID_YOU_MEAN.match(finding.hint))
    }
    if not misspelt:
        return findings
    return [
        finding
        for finding in findings
        if not (
            finding.rule == "SCHEMA-REQUIRED"
            and finding.doc_path
            and (finding.doc_path[:-1], str(finding.doc_path[-1])) in misspelt
        )
    ]


_DID_YOU_MEAN = re.compile(r"^did you mean '([^']+)'\?$")


def _describe(item: Any, model: type[BaseModel], loc: DocPath) -> tuple[str, str, str, bool]:
    kind: str = item["type"]
    ctx: dict[str, Any] = item.get("ctx") or {}
    where = _dotted(loc)
    value = item.get("input")
    if kind == "missing":
        key = _last_key(loc)
        parent = _dotted(loc[:-1]) or "the document"
        return "SCHEMA-REQUIRED", f"missing required key {key!r}", f"add {key}: to {parent}", True
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else _list("allowed keys", allowed)
        parent = _dotted(loc[:-1]) or "the document"
        return "SCHEMA-UNKNOWN-KEY", f"unknown key {shown(key)} in {parent}", hint, True
    if loc and loc[0] == "format" and kind == "literal_error":
        return (
            "SCHEMA-FORMAT",
            f"format {shown(value)} is not supported by this pmoctl",
            "this pmoctl reads format: 1; upgrade pmoctl or migrate the file",
            False,
        )
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        if value is None:
            return "SCHEMA-VALUE", f"{where} has no value", f"write one of {expected}", False
        if isinstance(value, (dict, list)):
            return "SCHEMA-TYPE", f"{where} must be one of {expected}", "", False
        options = [
            part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip()
        ]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return (
            "SCHEMA-VALUE",
            f"{shown(value)} is not allowed for {where}",
            hint + f"allowed: {expected}",
            False,
        )
    if kind == "string_pattern_mismatch":
        name, form = PATTERN_HELP.get(str(ctx.get("pattern", "")), ("valid", "the documented form"))
        on_key = bool(loc) and loc[-1] == "[key]"
        return "SCHEMA-VALUE", f"{shown(value)} is not {name} for {where}", f"write {form}", on_key
    if kind in ("string_too_short", "too_short"):
        return "SCHEMA-VALUE", f"{where} must not be empty", "", False
    if kind in ("string_too_long", "too_long"):
        return "SCHEMA-VALUE", f"{where} is too long", f"at most {ctx.get('max_length')}", False
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "SCHEMA-VALUE", f"{where} is out of range", _bound_hint(kind, ctx), False
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        hint = ""
        if kind == "string_type" and value is not None and not isinstance(value, (dict, list)):
            hint = (
                f"quote it: '{value}'"
                if isinstance(value, (int, float, bool)) or hasattr(value, "isoformat")
                else ""
            )
        elif kind == "bool_type":
            hint = "write true or false without quotes"
        elif kind in ("float_type", "int_type") and isinstance(value, str) and _number(value):
            hint = f"remove the quotes: {value.strip()} (quoted, it is text)"
        if not hint:
            hint = f"write {expected} here"
        return "SCHEMA-TYPE", f"{where} must be {expected}", hint, False
    if kind == "value_error":
        return "SCHEMA-VALUE", f"{where}: {ctx.get('error', item.get('msg'))}", "", False
    return "SCHEMA-VALUE", f"{where}: {item.get('msg', kind)}", "", False


def shown(value: Any, limit: int = 40) -> str:
    """A user's value as it may appear in a message: short, one line, quoted."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


#: text that YAML 1.2 reads as a number once its quotes are removed
_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


def _number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


#: how pydantic names the branch of a union in an error's location: the branch's schema
#: (``literal['off','error','warning']``) or a model's class name (``RuleSetting``)
_SCHEMA_BRANCH = re.compile(r"^[a-z-]+\[.*\]$")
#: a text branch (``readiness``: a checklist, or one text in earlier records)
_PLAIN_BRANCHES = frozenset({"constrained-str"})


@cache
def _model_names() -> frozenset[str]:
    names: set[str] = set()
    todo: list[type[Model]] = [Model]
    while todo:
        for sub in todo.pop().__subclasses__():
            names.add(sub.__name__)
            todo.append(sub)
    return frozenset(names)


def _is_branch(element: str | int) -> bool:
    return isinstance(element, str) and (
        bool(_SCHEMA_BRANCH.match(element))
        or element in _PLAIN_BRANCHES
        or element in _model_names()
    )


def _dotted(loc: DocPath) -> str:
    parts: list[str] = []
    for element in loc:
        if _is_branch(element):
            continue
        if isinstance(element, int):
            parts.append(f"[{element}]")
        elif element == "[key]":
            parts.append(" (key)")
        else:
            parts.append(("." if parts else "") + str(element))
    return "".join(parts)


def _last_key(loc: DocPath) -> str:
    for element in reversed(loc):
        if isinstance(element, str):
            return element
    return ""


def _list(label: str, items: list[str]) -> str:
    return f"{label}: {', '.join(items)}" if items else ""


def _bound_hint(kind: str, ctx: dict[str, Any]) -> str:
    for key, words in (
        ("gt", "greater than"),
        ("ge", "at least"),
        ("lt", "less than"),
        ("le", "at most"),
    ):
        if key in ctx:
            return f"must be {words} {ctx[key]}"
    return kind


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True)


def _allowed_keys(model: type[BaseModel], loc: DocPath) -> list[str]:
    """The keys the schema allows at ``loc`` (for "did you mean")."""
    root = _schema(model)
    defs = root.get("$defs", {})
    node: dict[str, Any] = root

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        for choice in schema.get("anyOf", []):
            option = resolve(choice)
            if "properties" in option or "items" in option:
                return option
        return schema

    node = resolve(node)
    for element in loc:
        if isinstance(element, int):
            node = resolve(node.get("items", {}))
        elif element in node.get("properties", {}):
            node = resolve(node["properties"][element])
        elif isinstance(node.get("additionalProperties"), dict):
            node = resolve(node["additionalProperties"])
    return sorted(node.get("properties", {}))

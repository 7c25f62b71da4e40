"""The JSON Schemas as an editor shows them (``pmoctl schema``).

pydantic's schemas validate the same documents as the models; what they lack is what a
person sees in the editor beside them. This generator adds it:

- an optional key is ``oneOf: [X, null]`` rather than ``anyOf``: the YAML language server
  joins the titles of an ``anyOf``'s branches on hover ("Target || Target");
- every ``pattern`` carries a ``patternErrorMessage`` (from ``PATTERN_HELP``), so a typo
  reads "Expected a RACI code: R, A, C, I or AR." instead of a regular expression;
- a mapping whose keys are ids or rule ids says so in ``propertyNames``, so a bad key is
  underlined too;
- a date also carries ``DATE_PATTERN``, which refuses days a month does not have;
- a description with Markdown in it is also given as ``markdownDescription``, which the
  editor renders instead of escaping.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema

from pmoctl.catalogue.models.common import DATE_PATTERN, PATTERN_HELP


class EditorSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, reworded for the editor (see the module docstring)."""

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        document = super().generate(schema, mode)
        edited: JsonSchemaValue = _edit(document)
        return edited


def pattern_message(pattern: str) -> str:
    """The editor's message for a value that does not match ``pattern``."""
    if pattern not in PATTERN_HELP:
        raise ValueError(f"no PATTERN_HELP for the pattern {pattern!r}: add one")
    name, form = PATTERN_HELP[pattern]
    return f"Expected {name}: {form}."


def _edit(node: Any) -> Any:
    if isinstance(node, list):
        return [_edit(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _edit(value) for key, value in node.items()}
    choices = node.get("anyOf")
    if isinstance(choices, list) and {"type": "null"} in choices:
        node["oneOf"] = node.pop("anyOf")
    if node.get("type") == "string" and node.get("format") == "date":
        node["pattern"] = DATE_PATTERN
    if isinstance(node.get("pattern"), str):
        node["patternErrorMessage"] = pattern_message(node["pattern"])
    keys = node.get("patternProperties")
    if isinstance(keys, dict) and len(keys) == 1:
        (pattern,) = keys
        message = pattern_message(pattern)
        node["propertyNames"] = {"pattern": pattern, "patternErrorMessage": message}
    description = node.get("description")
    if isinstance(description, str) and "`" in description:
        node["markdownDescription"] = description.replace("``", "`")
    return node

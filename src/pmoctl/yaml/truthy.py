"""Plain values that YAML 1.1 tools read as booleans (the YAML-TRUTHY rule's check).

pmoctl reads YAML 1.2, where ``no`` is the text "no". PyYAML, yamllint's truthy rule and
many CI tools still read YAML 1.1, where ``no``, ``off``, ``y`` and their kin are false
or true, so the same file means two things. The check runs while a file is loaded (it
needs the text, not the model): a cheap search first, and only on a hit the exact walk of
the node tree, which knows quoted values and block scalars from plain ones.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pmoctl.findings import Finding, Severity
from pmoctl.yaml.loader import LoadError, compose

if TYPE_CHECKING:
    from yaml.nodes import Node, ScalarNode

#: plain scalars YAML 1.1 resolves to booleans and YAML 1.2 to strings
WORDS = frozenset(
    spelling
    for word in ("y", "yes", "n", "no", "on", "off")
    for spelling in (word, word.capitalize(), word.upper())
)
_MAYBE = re.compile(
    r"(?:[:\-\[,{][ \t]+|[\[,{])(?:[yY](?:es|ES)?|[nN][oO]?|[oO](?:n|N|ff|FF))[ \t]*(?:$|[,\]}#])",
    re.MULTILINE,
)


def truthy_findings(rel: str, text: str, others: Sequence[Finding]) -> list[Finding]:
    """Warnings for YAML 1.1 booleans in ``text``, except on lines already reported."""
    return with_truthy_findings(rel, text, others)[len(others) :]


def with_truthy_findings(rel: str, text: str, others: Sequence[Finding]) -> list[Finding]:
    """``others`` and the warnings for YAML 1.1 booleans in ``text``.

    A line already reported gets no warning. Where the schema wanted true or false and
    found a plain word (``yes``, ``done``), its hint says that the word is text: the
    schema's own hint is written for a quoted ``"true"``, and there are no quotes to remove.
    """
    wanted_bool = [
        index
        for index, finding in enumerate(others)
        if finding.rule == "SCHEMA-TYPE" and finding.message.endswith("must be true or false")
    ]
    if not wanted_bool and not _MAYBE.search(text):
        return list(others)
    try:
        root = compose(text)
    except LoadError:
        return list(others)
    result = list(others)
    plain = {
        (node.start_mark.line + 1, node.start_mark.column + 1): node
        for node in _plain_scalars(root)
    }
    for index in wanted_bool:
        finding = result[index]
        node = plain.get((finding.line, finding.column))
        if node is not None:
            result[index] = dataclasses.replace(
                finding, hint=f"{node.value} is text here, not a boolean: write true or false"
            )
    taken = {finding.line for finding in others}
    for (line, column), node in plain.items():
        if line in taken or node.value not in WORDS:
            continue
        quoted = "'" + node.value + "'"
        result.append(
            Finding(
                rel,
                line,
                column,
                Severity.WARNING,
                "YAML-TRUTHY",
                f"{node.value} is the text {node.value!r} here, but a boolean in YAML 1.1 tools",
                f"quote it ({quoted}) if it is text, or write true or false",
            )
        )
    return result


def _plain_scalars(root: Node | None) -> Iterator[ScalarNode]:
    """The plain values (not keys) of the document, in the order they appear."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # only after a hit (see above)

    stack: list[Node] = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            stack.extend(value for _, value in reversed(node.value))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, ScalarNode) and not node.style:
            yield node

"""The rules: one id each, a default severity, a one-paragraph explanation.

File-level rules (YAML-*, FILE-*, SCHEMA-*) are reported by the loader and the schema;
cross-document rules have a ``check`` that reads the loaded :class:`Catalogue` and yields
:class:`Pending` findings (a document path; validate turns it into line and column).
Each cross-document rule lives in its own module of this package and is listed in
:data:`RULE_MODULES`, and says as data (:class:`Partial`) whether the transition's guard,
which loads part of the catalogue only, may run it.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pmoctl.findings import Pending, Severity

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue

Check = Callable[["Catalogue"], Iterable[Pending]]
#: a rule's findings in the ``moved`` files (catalogue-relative paths), given the partial
#: catalogue and every file name: see :attr:`Partial.NAMES`
NamesCheck = Callable[["Catalogue", Sequence[str], Collection[str]], Iterable[Pending]]


class Partial(enum.Enum):
    """Whether a cross-document rule can judge a partial catalogue.

    ``pmoctl transition`` checks a move on part of the catalogue (see
    :mod:`pmoctl.lifecycle.guard`): the root documents, the moved services, the services
    they name and the procedures that name them; every other service and procedure is
    known by its file name only. It runs the rules that can judge that, and reports what
    they find in the moved files; ``pmoctl validate`` runs every rule on every file.
    """

    #: its findings in a moved service are the same on the partial catalogue as on the
    #: whole one: it reads the file and the documents the guard loads with it
    YES = "yes"
    #: it judges file names, which the guard lists but does not load: its ``names_check``
    #: gives the findings in the moved files at a cost that does not grow with the catalogue
    NAMES = "names only"
    #: it needs every file (or reports only where a move changes nothing): left to validate
    NO = "no"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    explanation: str
    check: Check | None = None
    #: whether the transition's guard runs it; a rule not known to be exact there is not
    partial: Partial = Partial.NO
    #: the check the guard runs for a rule that judges file names (:attr:`Partial.NAMES`)
    names_check: NamesCheck | None = None


def _file_rule(rule_id: str, summary: str, explanation: str) -> Rule:
    return Rule(rule_id, Severity.ERROR, summary, explanation)


FILE_RULES = [
    _file_rule(
        "FILE-MISSING",
        "A file the catalogue needs does not exist",
        "A catalogue has pmoctl.yaml, organisation.yaml, strategy.yaml and handbook.yaml at its "
        "root. Without them people, PMOs and owners cannot be checked. `pmoctl init` makes them.",
    ),
    _file_rule(
        "FILE-READ",
        "A file cannot be read",
        "The file exists but is not a regular file (a folder, a device or a named pipe, which "
        "pmoctl never opens), or the operating system refused to read it (permissions).",
    ),
    _file_rule(
        "FILE-SYMLINK",
        "Catalogue files must not be symbolic links",
        "A symbolic link can point anywhere, for instance at a secret outside the repository, "
        "which a CI run on a pull request would then print. pmoctl never follows links, "
        "nor reads anything in a `services/` or `procedures/` folder that is a link: "
        "replace the link with the file (or folder) itself.",
    ),
    _file_rule(
        "FILE-SIZE",
        "A file is larger than the limit",
        "Files are limited (256 KiB by default, `max_file_bytes` in pmoctl.yaml) so that a "
        "hostile file cannot make validation slow or exhaust memory. A service record of that "
        "size should be split.",
    ),
    _file_rule(
        "FILE-NAME",
        "A file in a catalogue folder has an unexpected name",
        "Files under services/ and procedures/ are named <id>.yaml, with the id in lower-case "
        "letters, digits and hyphens. Files named .yml, or with other characters, are not read.",
    ),
    _file_rule(
        "YAML-ENCODING",
        "A file is not UTF-8",
        "Catalogue files are UTF-8 (a BOM is accepted). Latin-1, Windows-1252 and UTF-16 files "
        "are reported at the first byte that is not UTF-8; save the file as UTF-8.",
    ),
    _file_rule(
        "YAML-CHARACTER",
        "A file holds a control character or an ambiguous line break",
        "Control characters, NEL (U+0085), the Unicode line and paragraph separators, bidi "
        "overrides and a byte-order mark inside the file are refused: YAML parsers disagree on "
        "them, and they can hide text from a reviewer or forge terminal output.",
    ),
    _file_rule(
        "YAML-SYNTAX",
        "The file is not valid YAML",
        "The parser stopped at this position. Common causes: a tab used for indentation, an "
        "unclosed quote or bracket, or a value starting with a character that needs quoting "
        "(`@`, `` ` ``, `%`, `*`, `&`, `!`, `|`, `>`, `#`). Also refused, as YAML 1.2 "
        "forbids them although some parsers read them: a comment without a space before its "
        '`#` (`"text"# note`), and lines of a `[...]`, `{...}` or quoted value that are not '
        "indented deeper than their key.",
    ),
    _file_rule(
        "YAML-DOCUMENTS",
        "A file holds more than one YAML document",
        "Each catalogue file holds exactly one document. A second `---` (or content after "
        "`...`) starts another one, which other tools would silently ignore; remove the extra "
        "separator or move the content into its own file.",
    ),
    _file_rule(
        "YAML-EMPTY",
        "A file is empty",
        "The file holds nothing but white space and comments. Delete it, or fill it in "
        "(`pmoctl new service ID` writes a starting point).",
    ),
    _file_rule(
        "YAML-STRUCTURE",
        "The top level of a file is not a mapping",
        "Every catalogue file is a mapping of keys to values, starting with `format: 1` and "
        "`kind: ...`. A file whose top level is a list or a single value cannot be a catalogue "
        "document.",
    ),
    _file_rule(
        "YAML-DUPLICATE-KEY",
        "A key appears twice in the same mapping",
        "YAML tools disagree on which of two equal keys wins (some keep the first, some the "
        "last), so pmoctl refuses both. Keep one of them.",
    ),
    _file_rule(
        "YAML-KEY",
        "A mapping key is not text",
        "Keys are text such as names and ids. YAML also allows a list or a mapping as a key "
        "(`? [a, b]`), and reads an unquoted `1`, `true`, `~` or `2024-01-01` as a number, a "
        "boolean, null or a date (`1:` and `true:` are even the same key in Python). No "
        "catalogue document uses such keys; write the key as plain text, quoted if need be.",
    ),
    _file_rule(
        "YAML-ANCHOR",
        "Anchors, aliases and merge keys are not allowed",
        "`&anchor`, `*alias` and `<<:` let a few hundred bytes expand into gigabytes (the "
        "'billion laughs' attack), and they make hand-edited files hard to review. Write the "
        "values out in full.",
    ),
    _file_rule(
        "YAML-TAG",
        "Explicit tags are not allowed",
        "Tags such as `!!python/object` or `!Ref` ask the reader to build objects. Catalogue "
        "files hold plain data; quote a value that must be read as text.",
    ),
    _file_rule(
        "YAML-DIRECTIVE",
        "%YAML and %TAG directives are not allowed",
        "A `%YAML 1.1` directive changes how values such as `no` or `010` are read. Catalogue "
        "files are always read as YAML 1.2.",
    ),
    _file_rule(
        "YAML-DEPTH",
        "Nesting is too deep",
        "Mappings and lists may nest at most 32 levels deep; deeper input is a sign of a broken "
        "or hostile file and would exhaust the parser's stack.",
    ),
    _file_rule(
        "YAML-VALUE",
        "A value cannot be read",
        "A date that does not exist (2024-02-30), a number with more than 100 digits, or "
        "infinity/NaN. Write dates as YYYY-MM-DD; quote values meant as text.",
    ),
    _file_rule(
        "SCHEMA-FORMAT",
        "The file's format version is not supported",
        "Every file starts with `format: 1`, the version of the catalogue format it is "
        "written in. A file of a later format needs a later pmoctl; an earlier one, a migration.",
    ),
    _file_rule(
        "SCHEMA-REQUIRED",
        "A required key is missing",
        "The document kind requires this key; see the catalogue format in the README or the "
        "JSON Schema in schemas/.",
    ),
    _file_rule(
        "SCHEMA-UNKNOWN-KEY",
        "A key is not part of the format",
        "Unknown keys are errors, so that a typo (`summry:`) is not silently ignored. The hint "
        "names the closest allowed key.",
    ),
    _file_rule(
        "SCHEMA-TYPE",
        "A value has the wrong type",
        "For example a number where text is expected (quote it: `'1.10'`), or a single value "
        "where a list is expected.",
    ),
    _file_rule(
        "SCHEMA-VALUE",
        "A value is not allowed",
        "The value is not one of the allowed choices, does not have the required form (ids: "
        "lower-case letters, digits and hyphens), or is out of range. The hint lists what is "
        "allowed.",
    ),
    _file_rule(
        "SCHEMA-MORE",
        "A file has more than 100 schema problems",
        "At most 100 schema problems are listed for one file, the first ones in the file; "
        "this finding, after them, says how many more there are. Fix the ones listed and "
        "validate again.",
    ),
]

#: Rules about the catalogue's own settings; ``pipeline.apply_settings`` reports the
#: waiver rules, the ``settings`` module checks the configured rule ids.
SETTINGS_RULES = [
    Rule(
        "WAIVER-REASON",
        Severity.ERROR,
        "An inline waiver gives no reason",
        "A finding can be waived with a comment `# pmoctl: waive RULE-ID -- reason` on its "
        "line or the line above. The reason is required: a waiver without one would hide a "
        "problem without telling the next reader why it is acceptable, so the waiver is "
        "ignored and reported.",
    ),
    Rule(
        "WAIVER-UNUSED",
        Severity.WARNING,
        "An inline waiver matches no finding",
        "The waived rule reports nothing on the waiver's line or the line below it: the "
        "problem was fixed or the waiver sits on the wrong line. Remove it or move it next to "
        "the finding, so that stale waivers do not hide a future problem. A waiver of an id "
        "that is no rule (a typo) is reported too, with the rule it probably meant.",
    ),
]

#: Modules of this package that each define ``RULES`` (or a single ``RULE``): rules with
#: a ``check`` that reads the catalogue.
RULE_MODULES: list[str] = [
    "yaml_truthy",  # reported while loading (pipeline.load_file), no check of its own
    "modeline",  # likewise
    "settings",
    "identity",
    "references",
    "raci",
    "roles",
    "appointments",
    "stages",
    "sipoc",
    "capacity",
    "setup",
    "funding",
    "quality",
    "kpis",
    "keys",
    "changes",
    "reviews",
    "escalation",
    "pull_request",  # rules of `pmoctl check` (no check of their own)
]


def module_rules(name: str) -> list[Rule]:
    module = importlib.import_module(f"pmoctl.rules.{name}")
    rules: list[Rule] | None = getattr(module, "RULES", None)
    return list(rules) if rules is not None else [module.RULE]


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule by id: file-level rules, settings rules, then the cross-document rules."""
    rules = {rule.id: rule for rule in (*FILE_RULES, *SETTINGS_RULES)}
    for name in RULE_MODULES:
        for rule in module_rules(name):
            if rule.id in rules:  # pragma: no cover - caught by the rules test
                raise RuntimeError(f"duplicate rule id {rule.id}")
            rules[rule.id] = rule
    return rules


def checks() -> list[Rule]:
    return [rule for rule in all_rules().values() if rule.check is not None]


def partial_checks() -> list[Rule]:
    """The cross-document rules the transition's guard runs: those that can judge a
    partial catalogue (:class:`Partial`), in the order of :func:`checks`."""
    return [rule for rule in checks() if rule.partial is not Partial.NO]

"""`pmoctl init` and `pmoctl new`: write catalogue files that validate, never overwriting.

The files are filled in from the templates under ``templates/scaffold/`` (shipped in the
wheel as ``pmoctl/templates``). Each starts with the ``# yaml-language-server: $schema=``
line that points editors at the JSON Schema, so completion works from the first edit.
A file is written only if nothing of that name exists (``open(..., "x")``), and every
text is checked against its model before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pmoctl import gitrepo, runtime
from pmoctl.catalogue.files import (
    CONFIG_FILE,
    WINDOWS_RESERVED,
    collision_key,
    find_root,
    kind_of,
    list_files,
)
from pmoctl.catalogue.kinds import KIND, KINDS
from pmoctl.catalogue.loading import load_file
from pmoctl.catalogue.models import ID_PATTERN, MODELS_BY_KIND, Organisation
from pmoctl.errors import LinkedFolderError, UserError
from pmoctl.fileio import real_folder
from pmoctl.resources import data_dir, template_text
from pmoctl.yaml.loader import LoadError, parse

_PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
_ID = re.compile(ID_PATTERN)
#: the service and procedure a new catalogue starts with
STARTER_SERVICE = ("portfolio-reporting", "Portfolio reporting")
STARTER_PROCEDURE = ("produce-portfolio-report", "Produce the portfolio report")
ID_RULE = (
    "ids are 1 to 64 characters: lower-case ASCII letters, digits and hyphens, "
    "starting and ending with a letter or digit (e.g. portfolio-reporting)"
)


@dataclass(frozen=True)
class Written:
    """What a scaffold command wrote: the catalogue root and the files, relative to it."""

    root: Path
    files: list[str]
    git_initialised: bool = False
    #: what the user should know about what was not written
    notes: tuple[str, ...] = ()


def init_catalogue(directory: Path, *, name: str | None = None) -> Written:
    """Write a new catalogue into ``directory`` (made if needed); ``git init`` it if needed."""
    root = directory.absolute()
    if root.exists() and not root.is_dir():
        raise UserError(f"{directory} exists and is not a folder")
    if root.is_dir():
        _refuse_existing_catalogue(directory, root)
    organisation = _text_value(name or _folder_title(root), "--name")
    service_id, service_name = STARTER_SERVICE
    procedure_id, procedure_name = STARTER_PROCEDURE
    values: dict[str, dict[str, str]] = {
        CONFIG_FILE: {"catalogue_name": _scalar(f"{organisation} PMO service catalogue")},
        KIND["organisation"].path(): {"organisation_name": _scalar(organisation)},
        KIND["strategy"].path(): {},
        KIND["handbook"].path(): {},
        KIND["service"].path(service_id): {
            "id": service_id,
            "name": _scalar(service_name),
            "pmo": "corporate-pmo",
            "demand": _STARTER_DEMAND.replace("TODAY", runtime.today().isoformat()),
        },
        KIND["procedure"].path(procedure_id): {
            "id": procedure_id,
            "name": _scalar(procedure_name),
            "services": f"[{service_id}]",
        },
    }
    rendered = {}
    for rel, fields in values.items():
        kind = KIND[kind_of(rel) or ""]
        schema = "../" * rel.count("/") + f"schemas/{kind.schema}"
        rendered[rel] = _render(kind.name, schema, fields)
    root.mkdir(parents=True, exist_ok=True)
    # all or nothing: refuse before writing when any file (or link) is in the way, and
    # remove what was written when a write fails
    taken = [rel for rel in (*rendered, "schemas") if os.path.lexists(root / rel)]
    if taken:
        raise UserError(
            f"{', '.join(taken)} already exist in {directory}; pmoctl init writes a new "
            "catalogue and never overwrites a file",
            hint="run it in an empty folder, or move those files away",
        )
    in_repository = gitrepo.discover(root) is not None
    there_before = set(os.listdir(root))
    written: list[str] = []
    try:
        for rel, text in rendered.items():
            written.append(_write_new(root, rel, text))
        _copy_schemas(root, written)
    except BaseException:
        for rel in reversed(written):
            (root / rel).unlink(missing_ok=True)
        for rel in written:  # and the folders init made, once empty
            folder = rel.partition("/")[0]
            if "/" in rel and folder not in there_before:
                with contextlib.suppress(OSError):
                    (root / folder).rmdir()
        raise
    notes = _editor_settings(root, written)
    if not in_repository:
        # docs and `pmoctl check` take the base branch to be main, whatever git's default
        gitrepo.run(root, "init", "-q", "--initial-branch=main")
    return Written(root, written, git_initialised=not in_repository, notes=notes)


EDITOR_SETTINGS = ".vscode/settings.json"


def editor_schemas() -> dict[str, list[str]]:
    """``yaml.schemas`` for the catalogue root: each schema and the files it checks.

    The YAML language server then checks a file even when its schema line is missing.
    """
    return {
        f"schemas/{kind.schema}": [f"{kind.place}/*.yaml" if kind.collection else kind.place]
        for kind in KINDS
    }


def _editor_settings(root: Path, written: list[str]) -> tuple[str, ...]:
    """Write the workspace's yaml.schemas, unless a settings file is there (never touched)."""
    text = json.dumps({"yaml.schemas": editor_schemas()}, indent=2) + "\n"
    try:
        written.append(_write_new(root, EDITOR_SETTINGS, text))
    except (UserError, LinkedFolderError, OSError):  # there already, or a file or a link: not ours
        return (
            f"{EDITOR_SETTINGS} exists and was left as it is; for checks without the "
            'schema lines, add to it: "yaml.schemas": '
            + json.dumps(editor_schemas(), separators=(", ", ": ")),
        )
    return ()


def new_document(
    kind: str,
    ident: str,
    *,
    catalogue: Path | None = None,
    name: str | None = None,
    pmo: str | None = None,
) -> Written:
    """Write ``services/<ident>.yaml`` (stage proposed) or ``procedures/<ident>.yaml``."""
    check_id(ident)
    root = find_root(catalogue or Path.cwd())
    folder = KIND[kind].place
    rel = KIND[kind].path(ident)
    _refuse_taken(root, folder, ident)
    values = {"id": ident, "name": _scalar(_text_value(name or _title(ident), "--name"))}
    if kind == "service":
        values["pmo"] = _delivering_pmo(root, pmo)
        values["demand"] = _DEMAND_TO_FILL
    else:
        values["services"] = "[]"
    text = _render(kind, _schema_ref(root, folder, kind), values)
    return Written(root, [_write_new(root, rel, text)])


#: the request a new proposal records, for the analyst to fill in
_DEMAND_TO_FILL = """\
# demand:                      # the request, which the decision to set it up weighs
#   requested_by: person-or-group-id
#   requested: YYYY-MM-DD
#   customer: group-id           # a customer group from organisation.yaml
#   expected_outcome: What the requester expects the organisation to get from it."""
#: the request of the starter service, with the people and groups the starter catalogue has
_STARTER_DEMAND = """\
demand:                        # the request, which the decision to set it up weighs
  requested_by: pmo-director
  requested: TODAY
  customer: project-managers
  expected_outcome: One view of the portfolio for the people who decide on it."""


def check_id(ident: str) -> None:
    """Refuse an id that cannot be a file name and a git pathspec (exit 2)."""
    if not _ID.match(ident):
        raise UserError(f"{ident!r} is not a valid id: {ID_RULE}")
    if ident in WINDOWS_RESERVED:
        raise UserError(
            f"{ident!r} is not a valid id: it is a reserved device name on Windows",
            hint=f"choose another id, e.g. {ident}-service",
        )


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{ key }}`` of the template; a key without a value is a bug."""

    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(value, template)


def _render(kind: str, schema: str, values: Mapping[str, str]) -> str:
    """The kind's filled-in template, checked against its model (a failure is a bug in pmoctl)."""
    text = fill(template_text(f"scaffold/{KIND[kind].template}"), {**values, "schema": schema})
    MODELS_BY_KIND[kind].model_validate(parse(text))
    return text


def _refuse_existing_catalogue(directory: Path, root: Path) -> None:
    present = list_files(root)
    if (root / "schemas").exists():
        present.append("schemas/")
    if present:
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise UserError(
            f"{directory} already holds catalogue files ({shown}); nothing was written",
            hint="init makes a new catalogue in an empty folder; to add to this one use "
            "`pmoctl new service ID` or `pmoctl new procedure ID`",
        )


def _refuse_taken(root: Path, folder: str, ident: str) -> None:
    """Refuse when the file exists, or another name there is the same file on macOS/Windows."""
    rel = f"{folder}/{ident}.yaml"
    if os.path.lexists(root / rel):
        raise UserError(
            f"{rel} already exists; nothing was written",
            hint="pmoctl never overwrites a file: edit it, or choose another id",
        )
    try:
        names = os.listdir(root / folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in names:
        if collision_key(entry.split(".", 1)[0]) == collision_key(ident):
            raise UserError(
                f"{folder}/{entry} already exists and is the same name as {rel} on "
                "case-insensitive file systems; nothing was written",
                hint="choose another id, or rename the existing file",
            )


def _delivering_pmo(root: Path, pmo: str | None) -> str:
    """The PMO a new service names: ``--pmo``, else the first PMO of organisation.yaml."""
    organisation = load_file(root, KIND["organisation"].path(), "organisation").model
    known = (
        [unit.id for unit in organisation.pmos] if isinstance(organisation, Organisation) else []
    )
    if pmo is not None:
        check_id(pmo)
        if known and pmo not in known:
            raise UserError(
                f"there is no PMO {pmo!r} in organisation.yaml",
                hint="known PMOs: " + ", ".join(known),
            )
        return pmo
    if not known:
        raise UserError(
            "cannot tell which PMO delivers the new service: organisation.yaml is missing or "
            "does not validate",
            hint="fix organisation.yaml (`pmoctl validate`), or pass --pmo PMO-ID",
        )
    return known[0]


def _schema_ref(root: Path, folder: str, kind: str) -> str:
    """The schema path for a new file: the nearest schemas/ at or above the catalogue root.

    A catalogue made by `pmoctl init` has its own schemas/; one inside a larger repository
    (like pmoctl's own example) may use the repository's. The search stops at the top of
    the git work tree.
    """
    name = KIND[kind].schema
    here = root / folder
    repository = gitrepo.discover(root)
    top = repository.top if repository is not None else root
    for base in (root, *root.parents):
        if (base / "schemas" / name).is_file():
            return Path(os.path.relpath(base / "schemas" / name, here)).as_posix()
        if base == top:
            break
    return f"../schemas/{name}"


def _copy_schemas(root: Path, written: list[str]) -> None:
    target = root / "schemas"
    target.mkdir()  # refused when anything (a link too) stands there
    for source in sorted(data_dir("schemas").glob("*.schema.json")):
        written.append(_write_new(root, f"schemas/{source.name}", source.read_text("utf-8")))


def _write_new(root: Path, rel: str, text: str) -> str:
    path = root / rel
    real_folder(root, path.parent)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except FileExistsError:
        raise UserError(f"{rel} already exists; pmoctl never overwrites a file") from None
    return rel


def _text_value(value: str, option: str) -> str:
    if not value.strip() or len(value) > 300:
        raise UserError(f"{option} must be 1 to 300 characters")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
        raise UserError(f"{option} must not hold control or formatting characters")
    return value


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back as the same text, else quoted."""
    try:
        if parse(f"value: {value}\n") == {"value": value}:
            return value
    except LoadError:
        pass
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _title(ident: str) -> str:
    return ident.replace("-", " ").capitalize()


def _folder_title(root: Path) -> str:
    return root.name.replace("-", " ").replace("_", " ").strip().title() or "Our organisation"

"""A decision recorded in service files as one verified commit, with the guarantees of a move.

``pmoctl transition`` and every command that records a decision (an appointment, a change
request's decision, a KPI reading, a service review) go through :func:`commit_planned`:
under the repository's lock, an interrupted earlier run is recovered; git's preflight
(not mid-merge, not detached, the files clean) runs beside the plan; the edited services
must pass the guard (the cross-document rules on them, as they would be after the edit);
then :mod:`.transaction` writes the files and commits them as one commit, and restores
them on any failure. A dry run stops before writing and returns the diff.

The helpers read a service file as every catalogue file is read (no link followed, no pipe
waited on, no file with other hard links written) and edit it with :mod:`pmoctl.yaml.edit`,
which keeps every line it does not need to change byte for byte. :func:`signature` signs a
decision's record with the approver's key (``--key``), or refuses an unsigned one where
pmoctl.yaml asks for signatures of its kind (docs/signing.md).
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl import gitrepo
from pmoctl.catalogue.loading import load_file
from pmoctl.catalogue.models import Config, Organisation, Service
from pmoctl.catalogue.suggest import did_you_mean, unknown_service
from pmoctl.errors import RefusedError, RepoStateError, UserError
from pmoctl.findings import Finding
from pmoctl.gitrepo import check_ids
from pmoctl.lifecycle import transaction
from pmoctl.lifecycle.guard import guard
from pmoctl.lifecycle.signatures import Signing, key_path, sign_record
from pmoctl.yaml import edit
from pmoctl.yaml.loader import LoadError, decode, parse, read_bytes

if TYPE_CHECKING:
    from pmoctl.catalogue.loading import LoadedFile
    from pmoctl.catalogue.models import Person

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class RecordRefusedError(RefusedError):
    """The decision is not allowed as asked; ``findings`` say where (exit 1)."""

    def __init__(self, message: str, *, hint: str = "", findings: Sequence[Finding] = ()) -> None:
        super().__init__(message, hint=hint)
        self.findings = list(findings)


@dataclass(frozen=True)
class FileEdit:
    """One file's bytes before and after the decision."""

    rel: str  # relative to the catalogue root
    repo_rel: str  # relative to the top of the work tree
    old: bytes
    new: bytes
    mode: int


@dataclass(frozen=True)
class ServiceFile:
    """A service file as read for editing: its bytes, its text and what it says."""

    ident: str
    rel: str
    repo_rel: str
    old: bytes
    #: the decoded text (without a byte-order mark)
    text: str
    mode: int
    model: Service


@dataclass(frozen=True)
class Decision:
    """What the commit records: the decision's kind, its service and who took it."""

    kind: str
    service: str
    #: what was decided, in a few words: the commit's subject is ``kind(service): subject``
    subject: str
    approver: Person | None
    note: str | None = None


@dataclass
class RecordOutcome:
    edits: list[FileEdit]
    decision: Decision
    diff: str
    commit: str | None = None
    recovered: list[str] = field(default_factory=list)
    #: what a hook changed in the commit that pmoctl accepted (a reformatted file)
    notes: list[str] = field(default_factory=list)


# --- reading and editing -----------------------------------------------------------------


def check_text(option: str, value: str | None) -> None:
    """Refuse (exit 2) a text that is empty or holds control characters."""
    if value is not None and (_CONTROL.search(value) or "\r" in value or not value.strip()):
        raise UserError(f"{option} is empty or holds control characters")


def read_service(root: Path, repo: gitrepo.Repo, ident: str) -> ServiceFile:
    """``services/<ident>.yaml``, read and validated; refused when it cannot be edited."""
    rel = f"services/{ident}.yaml"
    old = read_bytes_of(root, ident, rel)
    info = single_link(root / rel, rel)
    model = load_service(root, rel)
    return ServiceFile(ident, rel, repo.rel(root / rel), old, decode(old), info.st_mode, model)


def read_bytes_of(root: Path, ident: str, rel: str) -> bytes:
    """The service file's bytes, read as every catalogue file is (no link, no pipe)."""
    try:
        return read_bytes(root, rel)
    except LoadError as error:
        if error.rule == "FILE-MISSING":
            raise unknown_service(root, ident) from None
        raise RecordRefusedError(f"{rel}: {error.message}", hint=error.hint) from None


def single_link(path: Path, rel: str) -> os.stat_result:
    """The file's status; refused if it has other hard links (a write would reach them)."""
    try:
        info = os.lstat(path)
    except OSError as error:  # gone since it was read
        raise RepoStateError(f"{rel} changed while being read: {error.strerror}") from None
    if info.st_nlink > 1:
        raise RepoStateError(f"{rel} has other hard links; pmoctl will not write through them")
    return info


def load_singleton(root: Path, rel: str, kind: str | None = None) -> LoadedFile:
    loaded = load_file(root, rel, kind or rel.removesuffix(".yaml"))
    if loaded.model is None:
        raise RecordRefusedError(
            f"{rel} does not validate", hint="run `pmoctl validate`", findings=loaded.findings
        )
    return loaded


def load_service(root: Path, rel: str) -> Service:
    loaded = load_file(root, rel, "service")
    if loaded.model is None:
        raise RecordRefusedError(
            f"{rel} does not validate", hint="fix it first", findings=loaded.findings
        )
    return loaded.model  # type: ignore[return-value]


def load_organisation(root: Path) -> Organisation:
    return load_singleton(root, "organisation.yaml").model  # type: ignore[return-value]


def find_person(organisation: Organisation, ident: str, option: str = "--approved-by") -> Person:
    """The person ``ident`` of organisation.yaml; refused (exit 2) with a suggestion if none."""
    check_ids([ident], what="person")
    people = {person.id: person for person in organisation.people}
    person = people.get(ident)
    if person is None:
        raise UserError(
            f"{option} {ident!r} is not a person in organisation.yaml",
            hint=did_you_mean(ident, people, "people"),
        )
    return person


def edited(service: ServiceFile, changes: Sequence[edit.Set | edit.Append]) -> FileEdit:
    """The service file with ``changes`` applied (verified; its byte-order mark kept)."""
    return _rewritten(service, lambda text: edit.apply(text, changes))


def moved(service: ServiceFile, stage: str, move: dict[str, object]) -> FileEdit:
    """The service file with its stage set and ``move`` recorded (:func:`edit.apply_move`)."""
    return _rewritten(service, lambda text: edit.apply_move(text, stage=stage, move=move))


def _rewritten(service: ServiceFile, rewrite: Callable[[str], str]) -> FileEdit:
    try:
        new_text = rewrite(service.text)
    except (edit.EditError, LoadError) as error:
        raise RecordRefusedError(f"{service.rel} cannot be edited safely: {error}") from None
    # decode() dropped a byte-order mark; the file keeps the one it had
    bom = codecs.BOM_UTF8 if service.old.startswith(codecs.BOM_UTF8) else b""
    new = bom + new_text.encode("utf-8")
    return FileEdit(service.rel, service.repo_rel, service.old, new, service.mode)


def signature(
    root: Path, repo: gitrepo.Repo, service: ServiceFile, kind: str,
    record: Mapping[str, object], *, people: Sequence[Person], key: Path | None,
) -> str | None:  # fmt: skip
    """The approver's signature of the decision ``record`` of ``kind`` in ``service``,
    made with ``key`` (a private key, or a public key whose private half the ssh-agent
    holds) over its statement (:mod:`pmoctl.signing.statement`, the file's blob before the
    decision included) and verified as ``check`` will verify it; None without a key.

    ``record`` is what :func:`pmoctl.signing.records.decision_record` makes of the record as
    it will be written. Refused (exit 1) without a key when pmoctl.yaml asks for signed
    decisions of ``kind``, and when the key is not registered for the approver.
    """
    config: Config = load_singleton(root, "pmoctl.yaml", "config").model  # type: ignore[assignment]
    signing = Signing(key=key_path(root, key)) if key is not None else None
    return sign_record(
        repo, service.ident, service.repo_rel, service.old, kind=kind, record=record,
        people=people, signing=signing, required=config.signs(kind),
    )  # fmt: skip


def approver_identity(person: Person) -> str:
    """``Name <email>`` from the person's git identity, falling back to their name and e-mail."""
    if person.git is not None:
        return f"{person.git.name} <{person.git.email}>"
    return f"{person.name} <{person.email}>" if person.email else person.name


def diff(edits: Sequence[FileEdit]) -> str:
    chunks: list[str] = []
    for change in edits:
        old = change.old.decode("utf-8").splitlines(keepends=True)
        new = change.new.decode("utf-8").splitlines(keepends=True)
        lines = difflib.unified_diff(old, new, f"a/{change.repo_rel}", f"b/{change.repo_rel}")
        # shown as git shows it: a CRLF file's carriage returns are not printed
        chunks.extend(line.rstrip("\r\n") + "\n" for line in lines)
    return "".join(chunks)


def guard_edits(
    root: Path, edits: Sequence[FileEdit], preloaded: Sequence[LoadedFile], *,
    what: str = "change", again: str = "the command",
) -> dict[str, Service]:  # fmt: skip
    """The edited services by id; refused if the ``what`` (a change, a move) would leave
    errors in them (``again``: what to run again once they are fixed)."""
    services = [change for change in edits if change.rel.startswith("services/")]
    moved: dict[str, Service] = {}
    if not services:
        return moved
    texts = {change.rel: change.new.decode("utf-8") for change in services}
    for change in services:
        # the edit was verified to read back as intended, so it validates as before
        moved[change.rel.rpartition("/")[2].removesuffix(".yaml")] = Service.model_validate(
            parse(decode(change.new))
        )
    findings = guard(
        root,
        moved,
        texts,
        positions={change.rel: decode(change.old) for change in services},
        preloaded=preloaded,
    )
    if findings:
        names = ", ".join(sorted({Path(finding.path).stem for finding in findings}))
        raise RecordRefusedError(
            f"the {what} would leave errors in {names} (listed above)",
            hint=f"fix them (or record what is missing), commit, and run {again} again",
            findings=findings,
        )
    return moved


# --- the transaction ---------------------------------------------------------------------


@dataclass
class Committed:
    recovered: list[str]
    commit: str | None = None
    notes: list[str] = field(default_factory=list)


def commit_planned(
    root: Path,
    ids: Sequence[str],
    plan: Callable[[gitrepo.Repo], tuple[list[FileEdit], str]],
    *,
    dry_run: bool,
    allow_detached: bool,
) -> tuple[list[FileEdit], Committed]:
    """Under the lock: recover, run ``plan`` (the files to write and the commit message)
    beside git's preflight, and commit the files as one commit (not on a dry run)."""
    repo = gitrepo.require(root)
    with gitrepo.exclusive_lock(repo):
        transaction.pause_point("locked")
        recovered = (
            transaction.recover(repo) if not dry_run else transaction.refuse_pending_journal(repo)
        )
        # git's preflight reads run in the background while the catalogue is loaded and
        # checked; their refusals still come first, as when they ran before the plan
        rels = _repo_rels(repo, root, ids)
        with gitrepo.start_checks(repo, rels, allow_detached=allow_detached) as checks:
            try:
                edits, message = plan(repo)
            except Exception:
                checks.head_before()
                raise
            head_before = checks.head_before()
            checks.require_clean([e.repo_rel for e in edits], [e.old for e in edits])
        done = Committed(recovered)
        if dry_run:
            return edits, done
        changes = [transaction.FileChange(e.repo_rel, e.old, e.new, e.mode) for e in edits]
        committed = transaction.commit_files(repo, changes, message, head_before)
        done.commit, done.notes = committed.commit, committed.notes
    return edits, done


def record(
    root: Path,
    ids: Sequence[str],
    plan: Callable[[gitrepo.Repo], tuple[list[FileEdit], Decision]],
    *,
    dry_run: bool = False,
    allow_detached: bool = False,
) -> RecordOutcome:
    """Check, write and commit a decision (or, with ``dry_run``, only show it).

    ``plan`` reads what it needs, refuses what is not allowed and returns the edited files
    and the decision; the edited services must then pass the guard.
    """
    check_ids(ids)
    decisions: list[Decision] = []

    def checked_plan(repo: gitrepo.Repo) -> tuple[list[FileEdit], str]:
        edits, decision = plan(repo)
        guard_edits(root, edits, ())
        decisions.append(decision)
        approver = decision.approver
        services = sorted({Path(change.rel).stem for change in edits if change.rel.startswith(
            "services/")} or {decision.service})  # fmt: skip
        message = gitrepo.decision_message(
            decision.kind,
            services,
            decision.subject,
            approved_by=approver_identity(approver) if approver is not None else None,
            approver_id=approver.id if approver is not None else None,
            note=decision.note,
        )
        return edits, message

    edits, done = commit_planned(
        root, ids, checked_plan, dry_run=dry_run, allow_detached=allow_detached
    )
    return RecordOutcome(edits, decisions[0], diff(edits), done.commit, done.recovered, done.notes)


def _repo_rels(repo: gitrepo.Repo, root: Path, ids: Sequence[str]) -> list[str]:
    """The service files' paths from the top of the work tree, as the plan will name them
    ([] if that fails here: git status then runs after the plan, as it used to)."""
    try:
        return [repo.rel(root / f"services/{ident}.yaml") for ident in ids]
    except (ValueError, OSError):
        return []

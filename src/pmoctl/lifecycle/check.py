"""`pmoctl check`: validate the catalogue and judge how a pull request changed it.

The catalogue at HEAD is validated as ``pmoctl validate`` does (the cross-document rules
run on all of it). Then the merge-base of HEAD and the base branch is compared with HEAD:
deleted and renamed services are reported, and every service whose stage changed (or
that recorded a move) is followed commit by commit. Each stage change must be one commit
made as ``pmoctl transition`` makes it: one move appended to ``lifecycle.moves``, an
allowed step, its evidence, trailers that agree with the file, and an approver who held
the right role at that commit. A change of a service's roles must append its appointment
record, whose approver held the deciding role at that commit
(:mod:`pmoctl.lifecycle.check_appointments`). Only those services are read from history; a
pull request touching three services costs a few git processes, whatever the catalogue's size.

The rules' severities come from the base branch's pmoctl.yaml, and check findings cannot
be waived inline: the pull request under test cannot switch off what judges it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from pmoctl import gitrepo, runtime
from pmoctl.catalogue.files import CONFIG_FILE, kind_of
from pmoctl.catalogue.models import Person
from pmoctl.errors import RepoStateError, UserError
from pmoctl.findings import DocPath, Finding, Severity
from pmoctl.lifecycle import check_appointments, check_changes
from pmoctl.lifecycle.check_moves import (
    STAGE_AT,
    Change,
    appended,
    config_of,
    data_of,
    judge,
    lifecycle_of,
)
from pmoctl.lifecycle.check_signatures import judge_commit, people_of, signed_kinds
from pmoctl.rules.engine import apply_settings
from pmoctl.rules.validate import validate_catalogue
from pmoctl.signing import records as signed_records
from pmoctl.yaml.loader import LoadError, decode, locate

SHALLOW_HINT = (
    "fetch the whole history: in GitHub Actions set `fetch-depth: 0` on actions/checkout; "
    "in GitLab CI set the variable GIT_DEPTH: 0; locally run `git fetch --unshallow`"
)


@dataclass
class CheckResult:
    """Every finding (validation and pull-request rules) and what the pull request changed."""

    root: Path
    findings: list[Finding]
    files: int
    base_ref: str
    base: str
    merge_base: str
    #: the catalogue's folder inside the repository ("" at the top)
    prefix: str = ""
    added: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    other_files: int = 0

    def changes(self) -> dict[str, Any]:
        """What changed, as plain data for the reporters."""
        return {
            "base_ref": self.base_ref,
            "base": self.base,
            "merge_base": self.merge_base,
            "added": self.added,
            "moved": [{"service": s, "from": a, "to": b} for s, a, b in self.moved],
            "edited": self.edited,
            "deleted": self.deleted,
            "renamed": [{"from": a, "to": b} for a, b in self.renamed],
            "other_files": self.other_files,
        }


@dataclass
class _Service:
    """One changed service: where it is, and its file at the merge-base and at HEAD."""

    ident: str
    rel: str
    git_paths: tuple[str, ...]
    base: dict[str, Any] | None
    head: dict[str, Any] | None
    head_text: str


def default_base_refs() -> list[str]:
    """Where the pull request goes: the CI's target branch, else origin/main, else main."""
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        branch = os.environ.get(variable, "").strip()
        if branch:
            return [f"origin/{branch}", branch]
    return ["origin/main", "main"]


def check(
    root: Path, base: str | None = None, *, jobs: int | None = None, use_cache: bool = True
) -> CheckResult:
    """Validate the catalogue at ``root``; check the changes since the merge-base with ``base``."""
    repo = gitrepo.require(root)
    if repo.shallow:
        raise RepoStateError(
            "this is a shallow clone: pmoctl check needs the history since the merge-base",
            hint=SHALLOW_HINT,
        )
    prefix = repo.rel(root)
    prefix = "" if prefix == "." else prefix
    base_ref, base_sha = _resolve_base(repo, base)
    head = gitrepo.resolve_commit(repo, "HEAD")
    if head is None:
        raise RepoStateError("the repository has no commits yet: there is nothing to check")
    fork = gitrepo.merge_base(repo, base_sha, head)
    if fork is None:
        raise RepoStateError(
            f"HEAD and {base_ref} have no common history",
            hint="check the pull request's target branch (--base REF)",
        )
    validation = validate_catalogue(root, jobs=jobs, use_cache=use_cache)
    result = CheckResult(root, [], validation.files, base_ref, base_sha, fork, prefix)
    judge = _Judge(repo, prefix, fork, head, result)
    base_config = config_of(judge.read(f"{base_sha}:{judge.git_path(CONFIG_FILE)}"))
    judge.signed_kinds = signed_kinds(base_config)
    judge.run()

    settled = apply_settings(judge.findings, base_config, [])
    result.findings = sorted([*validation.findings, *settled], key=Finding.sort_key)
    return result


def _resolve_base(repo: gitrepo.Repo, base: str | None) -> tuple[str, str]:
    candidates = [base] if base is not None else default_base_refs()
    for ref in candidates:
        problem = gitrepo.revision_problem(ref)
        if problem is not None:
            raise UserError(
                f"{ref!r} is not a valid base: {problem}",
                hint="give a branch (main, origin/main), a tag, a commit id or a revision "
                "such as HEAD~1",
            )
    for ref in candidates:
        sha = gitrepo.resolve_commit(repo, ref)
        if sha is not None:
            return ref, sha
    shown = " or ".join(candidates)
    branches = gitrepo.branch_names(repo)
    has = f"; this clone has: {', '.join(branches)}" if branches else ""
    if base:
        raise RepoStateError(
            f"--base {base} names no commit in this clone{has}",
            hint="fetch it (git fetch origin BRANCH) or name another base with --base REF",
        )
    raise RepoStateError(
        f"no base branch found: tried {shown}, which are not in this clone{has}",
        hint="name the branch the pull request goes to with --base REF (e.g. --base master), "
        f"or fetch it (git fetch origin {candidates[-1]}); "
        "in GitHub Actions check out with `fetch-depth: 0`",
    )


class _Judge:
    """Compares the merge-base with HEAD and follows the commits of changed services."""

    def __init__(
        self, repo: gitrepo.Repo, prefix: str, fork: str, head: str, result: CheckResult
    ) -> None:
        self.repo, self.prefix, self.fork, self.head, self.result = repo, prefix, fork, head, result
        self.findings: list[Finding] = []
        self._objects: dict[str, bytes | None] = {}
        #: the kinds of decision the base branch asks to be signed (``approvals`` in its
        #: pmoctl.yaml)
        self.signed_kinds: frozenset[str] = frozenset()

    def git_path(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def rel(self, git_path: str) -> str | None:
        if not self.prefix:
            return git_path
        head, sep, rest = git_path.partition(self.prefix + "/")
        return rest if sep and not head else None

    def read(self, spec: str) -> bytes | None:
        if spec not in self._objects:
            self._objects.update(gitrepo.read_objects(self.repo, [spec]))
        return self._objects[spec]

    def prefetch(self, specs: list[str]) -> None:
        wanted = [spec for spec in specs if spec not in self._objects]
        self._objects.update(gitrepo.read_objects(self.repo, wanted))

    def report(
        self, service: _Service, rule: str, message: str, hint: str, at: DocPath = STAGE_AT
    ) -> None:
        line, column = locate(service.head_text, at) if service.head_text else (0, 0)
        self.findings.append(
            Finding(service.rel, line, column, Severity.ERROR, rule, message, hint, doc_path=at)
        )

    # -- what changed ----------------------------------------------------------------

    def run(self) -> None:
        services: list[_Service] = []
        pending: list[tuple[str, str, str]] = []
        for status, old, new in gitrepo.changed_files(self.repo, self.fork, self.head, self.prefix):
            old_rel, new_rel = self.rel(old), self.rel(new)
            was = old_rel is not None and kind_of(old_rel) == "service"
            now = new_rel is not None and kind_of(new_rel) == "service"
            if not (was or now):
                self.result.other_files += 1
            elif was and not now or status == "D":
                self._deleted(old_rel or old)
            else:  # a file that was not a service before (services/x.yml) counts as added
                pending.append((status if was else "A", old, new))
        self.prefetch(
            [f"{self.fork}:{old}" for _, old, _ in pending]
            + [f"{self.head}:{new}" for _, _, new in pending]
        )
        for status, old, new in pending:
            new_rel = self.rel(new)
            assert new_rel is not None
            base_raw = None if status == "A" else self.read(f"{self.fork}:{old}")
            head_raw = self.read(f"{self.head}:{new}")
            try:
                head_text = decode(head_raw) if head_raw is not None else ""
            except LoadError:
                head_text = ""
            service = _Service(
                PurePosixPath(new_rel).stem, new_rel,
                (new,) if status == "A" or old == new else (old, new),
                data_of(base_raw), data_of(head_raw), head_text,
            )  # fmt: skip
            if status == "R" and PurePosixPath(old).stem != service.ident:
                self._renamed(service, PurePosixPath(old).stem)
            services.append(service)
        walk = [service for service in services if self._compare(service)]
        # role changes need their appointment records; appended records are followed too
        appointed = [
            service for service in services
            if check_appointments.compare(service.ident, service.base, service.head,
                                          self._reporter(service))
        ]  # fmt: skip
        self._follow(walk, appointed)
        self._changes([s for s in services if check_changes.concerns(s.base, s.head)])
        self._closes(walk)
        self._signatures([s for s in services if signed_records.concerns(s.base, s.head)])

    def _deleted(self, rel: str) -> None:
        ident = PurePosixPath(rel).stem
        self.result.deleted.append(ident)
        self.findings.append(
            Finding(rel, 0, 0, Severity.ERROR, "CHECK-DELETED",
                    f"service {ident} was deleted; services are closed, not deleted",
                    f"restore {rel} and move it to closing, then closed, with pmoctl transition")
        )  # fmt: skip

    def _renamed(self, service: _Service, old_ident: str) -> None:
        self.result.renamed.append((old_ident, service.ident))
        self.report(service, "CHECK-RENAMED",
                    f"service {old_ident} was renamed to {service.ident}",
                    "keep the id (change the name instead); a replacement is a new service "
                    "that supersedes the old one", ("id",))  # fmt: skip

    def _compare(self, service: _Service) -> bool:
        """Record what changed; True when the service's moves must be followed in history."""
        base_stage, base_moves = lifecycle_of(service.base)
        head_stage, head_moves = lifecycle_of(service.head)
        if service.base is not None and service.head is not None:
            old_id, new_id = service.base.get("id"), service.head.get("id")
            moved_file = len(service.git_paths) > 1  # reported as a renamed file already
            if isinstance(old_id, str) and old_id != new_id and not moved_file:
                self.result.renamed.append((old_id, str(new_id)))
                self.report(service, "CHECK-RENAMED", f"the id of {old_id} was changed to {new_id}",
                            "keep the id; change the name instead", ("id",))  # fmt: skip
        if service.base is None and head_stage is not None:
            self.result.added.append(service.ident)
        elif base_stage != head_stage and head_stage is not None:
            self.result.moved.append((service.ident, base_stage or "?", head_stage))
        else:
            self.result.edited.append(service.ident)
        if service.base is not None and appended(base_moves, head_moves) is None:
            kept = next(
                (
                    i
                    for i, move in enumerate(base_moves)
                    if i >= len(head_moves) or head_moves[i] != move
                ),
                0,
            )
            self.report(service, "CHECK-HISTORY",
                        f"move {kept + 1} recorded in lifecycle.moves of {service.ident} was "
                        "changed or removed", "restore the recorded moves; moves are only appended",
                        ("lifecycle", "moves", kept))  # fmt: skip
        if head_stage is None:
            return False  # the head file is broken: validate reports it
        return base_stage != head_stage or len(head_moves) > len(base_moves)

    # -- following the commits -------------------------------------------------------

    def _commits_of(self, by_path: dict[str, _Service]) -> list[gitrepo.PullCommit]:
        """The pull request's commits that touch these service files (one ``git log``), with
        each file before and after the commit and organisation.yaml at it read in one batch
        (another file in a commit is not read: CHECK-TRAILERS names it)."""
        commits = gitrepo.commits_touching(self.repo, self.fork, self.head, list(by_path))
        specs = []
        for commit in commits:
            specs.append(f"{commit.sha}:{self.git_path('organisation.yaml')}")
            for path in (path for path in commit.paths if path in by_path):
                specs += [f"{commit.sha}:{path}", *(f"{p}:{path}" for p in commit.parents[:1])]
        self.prefetch(specs)
        return commits

    def _follow(self, services: list[_Service], appointed: list[_Service]) -> None:
        """Judge the commits of ``services`` (moves) and of ``appointed`` (appointments)."""
        by_path = {path: s for s in (*services, *appointed) for path in s.git_paths}
        if not by_path:
            return
        commits = self._commits_of(by_path)
        current = {service.ident: lifecycle_of(service.base)[0] for service in services}
        moving = {service.ident for service in services}
        appointing = {service.ident for service in appointed}
        for commit in commits:
            for path in commit.paths:
                service = by_path.get(path)
                if service is None:
                    continue
                after = data_of(self.read(f"{commit.sha}:{path}"))
                if after is None:
                    continue
                parent = commit.parents[0] if commit.parents else None
                before = data_of(self.read(f"{parent}:{path}")) if parent else None
                change = Change(service.ident, commit, before, after)
                if service.ident in moving:
                    current[service.ident] = judge(
                        change, current[service.ident], self._person, self._reporter(service)
                    )
                if service.ident in appointing:
                    check_appointments.judge(change, self._person, self._reporter(service))
        for service in services:
            head_stage = lifecycle_of(service.head)[0]
            if current[service.ident] != head_stage:
                self.report(service, "CHECK-STAGE-EDIT",
                            f"the stage of {service.ident} became {head_stage} outside its "
                            "commits (in a merge, or a commit git could not follow)",
                            "make every stage change with pmoctl transition")  # fmt: skip

    def _signatures(self, services: list[_Service]) -> None:
        """The signatures of the decisions each commit recorded in ``services`` (those
        whose signable records changed; see :mod:`.check_signatures`)."""
        by_path = {path: service for service in services for path in service.git_paths}
        if not by_path:
            return
        for commit in self._commits_of(by_path):
            for path in (path for path in commit.paths if path in by_path):
                after = data_of(self.read(f"{commit.sha}:{path}"))
                if after is None or not commit.parents:
                    continue
                service = by_path[path]
                people = people_of(self.read(f"{commit.sha}:{self.git_path('organisation.yaml')}"))
                for record in judge_commit(
                    self.repo, service.ident, self.read(f"{commit.parents[0]}:{path}"), after,
                    people=people, required=self.signed_kinds, still_valid_on=runtime.today(),
                ):  # fmt: skip
                    if record.problem is not None:
                        problem = record.problem
                        self.report(service, problem.rule, problem.message, problem.hint,
                                    record.at)  # fmt: skip

    def _changes(self, services: list[_Service]) -> None:
        """Change requests decided, and definitions of running services changed: one more
        ``git log`` when the pull request touches any (see :mod:`.check_changes`)."""
        by_path = {path: service for service in services for path in service.git_paths}
        steps: dict[str, list[Change]] = {service.ident: [] for service in services}
        for commit in self._commits_of(by_path):
            for path in (path for path in commit.paths if path in by_path):
                after = data_of(self.read(f"{commit.sha}:{path}"))
                if after is not None:
                    parent = commit.parents[0] if commit.parents else None
                    before = data_of(self.read(f"{parent}:{path}")) if parent else None
                    steps[by_path[path].ident].append(
                        Change(by_path[path].ident, commit, before, after)
                    )
        for service in services:
            if service.head is not None:
                check_changes.judge(service.ident, service.base, service.head,
                                    steps=steps[service.ident], person_at=self._person,
                                    report=self._reporter(service))  # fmt: skip

    def _closes(self, services: list[_Service]) -> None:
        """A set-up decision that names a service it closes needs that service closing (or
        closed) by the end of the pull request: until then its capacity is still committed."""
        for service in services:
            base_moves, head_moves = lifecycle_of(service.base)[1], lifecycle_of(service.head)[1]
            added = appended(base_moves, head_moves) or []
            for offset, move in enumerate(added):
                if not isinstance(move, dict) or (move.get("from"), move.get("to")) != (
                    "proposed", "design",
                ) or not isinstance(move.get("closes"), str):  # fmt: skip
                    continue
                closed = move["closes"]
                at: DocPath = ("lifecycle", "moves", len(base_moves) + offset, "closes")
                rel = f"services/{closed}.yaml"
                stage = lifecycle_of(data_of(self.read(f"{self.head}:{self.git_path(rel)}")))[0]
                if stage not in ("closing", "closed"):
                    now = f"is {stage}" if stage else "is not in the catalogue"
                    self.report(service, "CHECK-CAPACITY",
                                f"{service.ident} was set up to take over the capacity of "
                                f"{closed}, which {now} at the end of the pull request",
                                f"move {closed} to closing in this pull request (its Service "
                                "Owner approves), or set the service up without --closes",
                                at)  # fmt: skip

    def _reporter(self, service: _Service) -> Callable[[str, str, str, DocPath], None]:
        def report(rule: str, message: str, hint: str, at: DocPath) -> None:
            self.report(service, rule, message, hint, at)

        return report

    def _person(self, sha: str, ident: str) -> Person | None:
        """The person ``ident`` as organisation.yaml listed them at commit ``sha``."""
        data = data_of(self.read(f"{sha}:{self.git_path('organisation.yaml')}"))
        people = data.get("people") if data else None
        for item in people if isinstance(people, list) else []:
            if isinstance(item, dict) and item.get("id") == ident:
                try:
                    return Person.model_validate(item)
                except ValidationError:
                    return None
        return None

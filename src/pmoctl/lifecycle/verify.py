"""`pmoctl verify`: the signatures of every decision in the history of every service.

One ``git log`` finds the commits that changed a service file (oldest first, no merges) and
one ``git cat-file --batch`` reads each file before and after, and organisation.yaml and
pmoctl.yaml as they were at that commit. Every decision a commit recorded (a move, an
appointment, a change request's decision or implementation, a KPI reading, a review) is
judged as ``check`` judges it (:mod:`.check_signatures`), against the people registry of
that commit; an unsigned decision is a finding only where that commit's pmoctl.yaml asked
for signatures of its kind.
Unlike ``check``, a key retired since is no finding: it was valid when it signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pmoctl import gitrepo
from pmoctl.catalogue.files import CONFIG_FILE, kind_of
from pmoctl.errors import RepoStateError
from pmoctl.findings import DocPath, Finding, Severity
from pmoctl.lifecycle.check import SHALLOW_HINT
from pmoctl.lifecycle.check_moves import config_of, data_of
from pmoctl.lifecycle.check_signatures import judge_commit, people_of, signed_kinds
from pmoctl.yaml.loader import LoadError, decode, locate


@dataclass
class Verified:
    """What `pmoctl verify` found: the findings, and the counts of decisions it judged."""

    findings: list[Finding] = field(default_factory=list)
    signed: int = 0
    unsigned: int = 0
    services: int = 0
    commits: int = 0
    #: kind of decision -> [signed, unsigned]
    kinds: dict[str, list[int]] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        moves = self.kinds.get("move", [0, 0])
        return {
            "signed_moves": moves[0],
            "unsigned_moves": moves[1],
            "signed_decisions": self.signed,
            "unsigned_decisions": self.unsigned,
            "kinds": {
                kind: {"signed": counts[0], "unsigned": counts[1]}
                for kind, counts in sorted(self.kinds.items())
            },
            "services": self.services,
            "commits": self.commits,
            "findings": [finding.as_dict() for finding in self.findings],
        }


def verify(root: Path) -> Verified:
    """Judge every recorded decision of every service in HEAD's history."""
    repo = gitrepo.require(root)
    if repo.shallow:
        raise RepoStateError(
            "this is a shallow clone: pmoctl verify needs the whole history", hint=SHALLOW_HINT
        )
    head = gitrepo.resolve_commit(repo, "HEAD")
    if head is None:
        raise RepoStateError("the repository has no commits yet: there is nothing to verify")
    prefix = repo.rel(root)
    prefix = "" if prefix == "." else prefix

    def git_path(rel: str) -> str:
        return f"{prefix}/{rel}" if prefix else rel

    def rel_of(path: str) -> str | None:
        if not prefix:
            return path
        return path.removeprefix(prefix + "/") if path.startswith(prefix + "/") else None

    commits = gitrepo.commits_touching(repo, None, head, [git_path("services")])
    specs: list[str] = []
    touched: list[tuple[gitrepo.PullCommit, str, str]] = []
    for commit in commits:
        for path in commit.paths:
            rel = rel_of(path)
            if rel is None or kind_of(rel) != "service" or not commit.parents:
                continue
            touched.append((commit, path, rel))
            specs += [f"{commit.sha}:{path}", f"{commit.parents[0]}:{path}"]
            specs += [f"{commit.sha}:{git_path('organisation.yaml')}"]
            specs += [f"{commit.sha}:{git_path(CONFIG_FILE)}"]
    specs += [f"{head}:{git_path(rel)}" for _, _, rel in touched]
    objects = gitrepo.read_objects(repo, specs)
    result = Verified(commits=len({commit.sha for commit, _, _ in touched}))
    services: set[str] = set()
    for commit, path, rel in touched:
        after = data_of(objects.get(f"{commit.sha}:{path}"))
        if after is None:
            continue
        config = config_of(objects.get(f"{commit.sha}:{git_path(CONFIG_FILE)}"))
        people = people_of(objects.get(f"{commit.sha}:{git_path('organisation.yaml')}"))
        ident = PurePosixPath(rel).stem
        for record in judge_commit(
            repo, ident, objects.get(f"{commit.parents[0]}:{path}"), after, people=people,
            required=signed_kinds(config),
        ):  # fmt: skip
            services.add(ident)
            result.signed += record.signed
            result.unsigned += not record.signed
            counts = result.kinds.setdefault(record.kind, [0, 0])
            counts[0 if record.signed else 1] += 1
            if record.problem is None:
                continue
            head_raw = objects.get(f"{head}:{git_path(rel)}")
            line, column = _locate(head_raw, record.at)
            problem = record.problem
            result.findings.append(
                Finding(rel, line, column, Severity.ERROR, problem.rule,
                        f"{problem.message} (commit {commit.sha[:10]})", problem.hint,
                        doc_path=record.at)
            )  # fmt: skip
    result.services = len(services)
    result.findings.sort(key=Finding.sort_key)
    return result


def _locate(raw: bytes | None, at: DocPath) -> tuple[int, int]:
    try:
        return locate(decode(raw), at) if raw is not None else (0, 0)
    except LoadError:
        return 0, 0

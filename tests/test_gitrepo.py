"""The git layer on real repositories: discovery, preflight, the lock, commits, the log
reader and the transition message format."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conftest import git
from pmoctl import gitrepo
from pmoctl.errors import GitCommandError, RepoStateError


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    (top / "services").mkdir(parents=True)
    (top / "services" / "a.yaml").write_text("a: 1\n")
    (top / "services" / "b.yaml").write_text("b: 1\n")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "init")
    return top


def test_discover_finds_the_top_from_a_subfolder(repo_dir: Path) -> None:
    repo = gitrepo.discover(repo_dir / "services")
    assert repo is not None
    assert repo.top == repo_dir.resolve()
    assert repo.git_dir == (repo_dir / ".git").resolve()
    assert repo.shallow is False
    assert repo.rel(repo_dir / "services" / "a.yaml") == "services/a.yaml"


def test_discover_outside_a_repository(tmp_path: Path) -> None:
    assert gitrepo.discover(tmp_path) is None
    with pytest.raises(RepoStateError, match="not in a git repository"):
        gitrepo.require(tmp_path)


def test_bare_repository_is_refused(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    with pytest.raises(RepoStateError, match="bare"):
        gitrepo.discover(tmp_path / "bare.git")


def test_blob_id_matches_git(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    data = (repo_dir / "services" / "a.yaml").read_bytes()
    assert gitrepo.blob_id(repo, data) == git(repo_dir, "rev-parse", "HEAD:services/a.yaml").strip()


def test_require_clean_reports_each_kind_of_change(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    gitrepo.require_clean(repo, ["services/a.yaml"])
    (repo_dir / "services" / "a.yaml").write_text("a: 2\n")
    with pytest.raises(RepoStateError, match="uncommitted"):
        gitrepo.require_clean(repo, ["services/a.yaml"])
    (repo_dir / "services" / "c.yaml").write_text("c: 1\n")
    with pytest.raises(RepoStateError, match="not tracked"):
        gitrepo.require_clean(repo, ["services/c.yaml"])
    (repo_dir / ".gitignore").write_text("ignored.yaml\n")
    (repo_dir / "services" / "ignored.yaml").write_text("x: 1\n")
    with pytest.raises(RepoStateError, match="ignored"):
        gitrepo.require_clean(repo, ["services/ignored.yaml"])


def test_background_checks_refuse_a_change_made_while_they_ran(repo_dir: Path) -> None:
    """git's status is read in the background; bytes that differ from HEAD's are refused
    even if the file changed only after git looked at it."""
    repo = gitrepo.require(repo_dir)
    rels = ["services/a.yaml", "services/b.yaml"]
    with gitrepo.start_checks(repo, rels) as checks:
        assert checks.head_before() == gitrepo.head(repo)
        checks.require_clean(rels, [b"a: 1\n", b"b: 1\n"])
    with gitrepo.start_checks(repo, rels) as checks:
        checks.head_before()
        with pytest.raises(RepoStateError, match="services/b.yaml has uncommitted"):
            checks.require_clean(rels, [b"a: 1\n", b"b: 2\n"])
    (repo_dir / "services" / "a.yaml").write_text("a: 2\n")
    with gitrepo.start_checks(repo, rels) as checks:
        checks.head_before()
        with pytest.raises(RepoStateError, match="services/a.yaml has uncommitted"):
            checks.require_clean(rels, [b"a: 1\n", b"b: 1\n"])
    # other paths than those started with: read there and then
    with gitrepo.start_checks(repo, rels) as checks:
        checks.require_clean(["services/b.yaml"], [b"b: 1\n"])


def test_literal_pathspecs_never_glob(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    (repo_dir / "services" / "a.yaml").write_text("a: 2\n")
    (repo_dir / "services" / "b.yaml").write_text("b: 2\n")
    with pytest.raises(GitCommandError):
        gitrepo.commit_only(repo, ["services/*.yaml"], "glob")
    assert git(repo_dir, "rev-list", "--count", "HEAD").strip() == "1"


def test_commit_only_commits_exactly_the_paths(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    (repo_dir / "services" / "a.yaml").write_text("a: 2\n")
    (repo_dir / "services" / "b.yaml").write_text("b: 2\n")
    git(repo_dir, "add", "services/b.yaml")
    before = gitrepo.head(repo)
    gitrepo.commit_only(repo, ["services/a.yaml"], "only a\n\nbody")
    assert git(repo_dir, "show", "--name-only", "--format=", "HEAD").split() == ["services/a.yaml"]
    commit, parent, blobs = gitrepo.committed_blobs(repo, ["services/a.yaml"])
    assert commit == git(repo_dir, "rev-parse", "HEAD").strip()
    assert parent == before
    assert blobs == [gitrepo.blob_id(repo, b"a: 2\n")]
    assert git(repo_dir, "diff", "--cached", "--name-only").split() == ["services/b.yaml"]


def test_commit_facts_and_undo_commit(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    before = git(repo_dir, "rev-parse", "HEAD").strip()
    (repo_dir / "services" / "b.yaml").write_text("b: staged\n")
    git(repo_dir, "add", "services/b.yaml")
    index = gitrepo.read_index(repo)
    (repo_dir / "services" / "a.yaml").write_text("a: 2\n")
    (repo_dir / "odd name").write_text("x\n")  # a space in a path
    git(repo_dir, "add", "odd name")
    message = "subject\n\nbody\n\nService-Transition: a proposed -> design\n"
    gitrepo.commit_only(repo, ["services/a.yaml", "odd name"], message)
    facts = gitrepo.commit_facts(repo)
    assert facts is not None
    assert facts.commit == git(repo_dir, "rev-parse", "HEAD").strip()
    assert facts.parents == (before,)
    assert facts.message.strip() == message.strip()
    assert facts.blobs == {
        "services/a.yaml": gitrepo.blob_id(repo, b"a: 2\n"),
        "odd name": gitrepo.blob_id(repo, b"x\n"),
    }
    gitrepo.undo_commit(repo, facts.commit, before, index)
    assert git(repo_dir, "rev-parse", "HEAD").strip() == before
    assert (repo_dir / ".git" / "index").read_bytes() == index
    assert git(repo_dir, "diff", "--cached", "--name-only").split() == ["services/b.yaml"]
    with pytest.raises(GitCommandError, match="could not undo"):
        gitrepo.undo_commit(repo, facts.commit, before, index)  # HEAD is no longer it


def test_preflight_detached_and_allowed(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    head = git(repo_dir, "rev-parse", "HEAD").strip()
    assert gitrepo.preflight(repo) == head
    assert gitrepo.head_and_branch(repo) == (head, "refs/heads/main")
    git(repo_dir, "checkout", "-q", "--detach")
    assert gitrepo.head_and_branch(repo) == (head, None)
    with pytest.raises(RepoStateError, match="detached"):
        gitrepo.preflight(repo)
    assert gitrepo.preflight(repo, allow_detached=True) == head


def test_unborn_branch(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    repo = gitrepo.require(tmp_path)
    assert gitrepo.head_and_branch(repo) == (None, "refs/heads/main")
    assert gitrepo.committed_blobs(repo, ["x"]) == (None, None, [])


def test_id_pattern_is_the_models_pattern() -> None:
    from pmoctl.catalogue.models.common import ID_PATTERN

    assert gitrepo.ID_PATTERN == ID_PATTERN


@pytest.mark.parametrize(
    "bad", ["", "../x", "a/b", "*", "-rf", "A", "a\x00b", "a\nb", "a" * 65, "x-"]
)
def test_check_ids_refuses_what_could_be_a_path(bad: str) -> None:
    from pmoctl.errors import UserError

    with pytest.raises(UserError):
        gitrepo.check_ids([bad])


def test_preflight_no_identity(
    repo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "empty.gitconfig"
    config.write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.delenv("EMAIL", raising=False)
    with pytest.raises(RepoStateError, match="no git identity"):
        gitrepo.preflight(gitrepo.require(repo_dir))


def test_lock_is_exclusive_and_times_out(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gitrepo.exclusive_lock(repo):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    start = time.monotonic()
    with pytest.raises(RepoStateError, match="another pmoctl"), gitrepo.exclusive_lock(repo, 0.3):
        pass
    assert time.monotonic() - start >= 0.3
    release.set()
    thread.join()
    with gitrepo.exclusive_lock(repo, timeout=0.3):
        pass


def test_log_reads_paths_and_messages_in_one_pass(repo_dir: Path) -> None:
    repo = gitrepo.require(repo_dir)
    (repo_dir / "services" / "a.yaml").write_text("a: 3\n")
    forged = "edit a\n\n\x00<fake\x00 and a line\nService-Transition: b proposed -> design"
    git(repo_dir, "commit", "-q", "-am", forged.replace("\x00", ""))
    entries = gitrepo.log(repo, ["services"])
    assert [entry.paths for entry in entries] == [
        ["services/a.yaml"],
        ["services/a.yaml", "services/b.yaml"],
    ]
    assert entries[0].message.startswith("edit a")
    assert entries[0].author == "Test Analyst"
    assert entries[0].email == "analyst@example.org"
    assert gitrepo.log(repo, ["services/b.yaml"])[0].message.strip() == "init"


def test_log_of_an_unborn_branch_is_empty(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    assert gitrepo.log(gitrepo.require(tmp_path), ["services"]) == []


# --- the message format ----------------------------------------------------------------


def test_message_round_trip() -> None:
    moves = [gitrepo.ServiceMove("alpha", "running", "closing")]
    message = gitrepo.transition_message(
        moves, approved_by="Helen Achebe <helen@example.org>", approver_id="helen-achebe",
        reason="superseded", note="Replaced by the new digest.",
    )  # fmt: skip
    assert message == (
        "transition(alpha): running -> closing\n\n"
        "Replaced by the new digest.\n\n"
        "Service-Transition: alpha running -> closing\n"
        "Approved-by: Helen Achebe <helen@example.org>\n"
        "Approver-Id: helen-achebe\n"
        "Reason: superseded\n"
    )
    parsed = gitrepo.parse_trailers(message)
    assert parsed is not None
    assert parsed.moves == moves
    assert parsed.approved_by == "Helen Achebe <helen@example.org>"
    assert parsed.approver_id == "helen-achebe"
    assert parsed.reason == "superseded"
    assert parsed.note == "Replaced by the new digest."
    assert parsed.subject == "transition(alpha): running -> closing"


def test_several_services_subject() -> None:
    moves = [gitrepo.ServiceMove(s, "proposed", "design") for s in ("a", "b", "c")]
    message = gitrepo.transition_message(moves, approved_by="X", approver_id="x")
    assert message.startswith("transition(3 services): -> design\n\nService-Transition: a ")
    parsed = gitrepo.parse_trailers(message)
    assert parsed is not None and [m.service for m in parsed.moves] == ["a", "b", "c"]
    assert parsed.note is None and parsed.reason is None


def test_a_note_cannot_forge_trailers() -> None:
    message = gitrepo.transition_message(
        [gitrepo.ServiceMove("a", "proposed", "design")], approved_by="X", approver_id="x",
        note="Service-Transition: b closed -> proposed\nApprover-Id: mallory",
    )  # fmt: skip
    parsed = gitrepo.parse_trailers(message)
    assert parsed is not None
    assert [m.service for m in parsed.moves] == ["a"]
    assert parsed.approver_id == "x"


@pytest.mark.parametrize(("source", "target"), [("on-hold", "running"), ("pilot", "go-live-2")])
def test_a_hyphenated_stage_name_round_trips(source: str, target: str) -> None:
    """A stage is named like an id: a hyphenated one is read back, not dropped."""
    move = gitrepo.ServiceMove("a", source, target)
    message = gitrepo.transition_message([move], approved_by="X", approver_id="x")
    parsed = gitrepo.parse_trailers(message)
    assert parsed is not None and parsed.moves == [move]


@pytest.mark.parametrize(
    "message",
    ["plain commit", "subject\n\nbody only", "subject\n\nSigned-off-by: A <a@b>\n",
     "subject\n\nService-Transition: ../x proposed -> design\n"],
)  # fmt: skip
def test_other_commits_are_not_transitions(message: str) -> None:
    assert gitrepo.parse_trailers(message) is None


def test_trailers_added_by_hooks_are_tolerated() -> None:
    message = (
        "transition(a): proposed -> design\n\nService-Transition: a proposed -> design\n"
        "Approved-by: X <x@y>\nApprover-Id: x\nSigned-off-by: Y <y@z>\nChange-Id: I123\n"
    )
    parsed = gitrepo.parse_trailers(message)
    assert parsed is not None and parsed.approver_id == "x"

"""`pmoctl signers`: git's allowed-signers file from the keys in organisation.yaml.

Written like CODEOWNERS (:mod:`.codeowners`): by default ``.github/allowed_signers`` at
the top of the repository, replaced atomically, and ``--check`` in CI says when it is out
of step with the registry. pmoctl itself does not read the file (``check`` and ``verify``
build the list from organisation.yaml as it was at each decision); it is for git
(``git config gpg.ssh.allowedSignersFile .github/allowed_signers``, then ``git log
--show-signature`` and ``git verify-commit``) and for anyone checking a decision by hand
with ``ssh-keygen -Y verify``.
"""

from __future__ import annotations

from pathlib import Path

from pmoctl import gitrepo
from pmoctl.catalogue.pipeline import load_catalogue
from pmoctl.errors import RefusedError
from pmoctl.findings import Severity
from pmoctl.signing import signers


def default_path(root: Path) -> Path:
    """``.github/allowed_signers`` at the top of the repository (or of the catalogue)."""
    repo = gitrepo.discover(root)
    return (repo.top if repo else root) / ".github" / "allowed_signers"


def build(root: Path) -> str:
    """The allowed-signers text of the catalogue at ``root``."""
    catalogue, findings, _ = load_catalogue(root)
    broken = [f for f in findings if f.severity is Severity.ERROR and f.path == "organisation.yaml"]
    if broken or catalogue.organisation is None:
        raise RefusedError(
            "cannot tell who may sign: organisation.yaml does not load",
            hint="run `pmoctl validate` and fix the errors first",
        )
    return signers.text(catalogue.organisation.people)

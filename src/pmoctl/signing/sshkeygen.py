"""Start ssh-keygen: the only place in pmoctl where OpenSSH's signing tool runs.

Signing and verifying are OpenSSH's own (``ssh-keygen -Y sign``, ``-Y verify``, ``-Y
check-novalidate``, ``-Y find-principals``); pmoctl does no cryptography of its own. Every
command is a fixed argv, never a shell; the data to sign goes in on stdin, and what
ssh-keygen reads from files (the signature, the allowed signers) is written to a private
temporary folder that is removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pmoctl.errors import RepoStateError, UserError

PROGRAM = "ssh-keygen"
MISSING_HINT = "install OpenSSH's client tools (Debian and Ubuntu: apt-get install openssh-client)"


@dataclass(frozen=True)
class Verdict:
    """What ssh-keygen said about one signature: accepted or not, and its own words."""

    ok: bool
    said: str


def sign(data: bytes, key: Path, namespace: str, *, agent: bool = False) -> str:
    """The armoured signature of ``data`` made with ``key`` (a private key file, or with
    ``agent`` a public key whose private half the ssh-agent holds)."""
    argv = [PROGRAM, "-Y", "sign", "-n", namespace, "-f", str(key)]
    if agent:
        argv.insert(3, "-U")
    result = _run(argv, data)
    if result.returncode != 0 or b"-----BEGIN SSH SIGNATURE-----" not in result.stdout:
        said = _said(result)
        raise UserError(
            f"ssh-keygen could not sign with {key}: {said or f'exit {result.returncode}'}",
            hint="give your private key with --key PATH (or a public key whose private half "
            "your ssh-agent holds); an encrypted key asks for its passphrase",
        )
    return result.stdout.decode("ascii")


def verify(
    data: bytes, signature: str, allowed_signers: str, principal: str, *, namespace: str,
    at: dt.date,
) -> Verdict:  # fmt: skip
    """Whether ``signature`` signs ``data`` with a key ``allowed_signers`` lists for
    ``principal`` in ``namespace``, valid on the day ``at`` (noon: a key retired that day
    no longer counts, one registered that day does)."""
    with _Files(signature, allowed_signers) as (sig, signers):
        result = _run(
            [PROGRAM, "-Y", "verify", "-f", signers, "-I", principal, "-n", namespace,
             "-s", sig, "-O", f"verify-time={_noon(at)}"],
            data,
        )  # fmt: skip
    return Verdict(result.returncode == 0, _said(result))


def matches(data: bytes, signature: str, namespace: str) -> bool:
    """Whether ``signature`` is a sound signature of ``data`` by whatever key made it
    (``-Y check-novalidate``: no allowed signers asked)."""
    with _Files(signature, "") as (sig, _):
        result = _run([PROGRAM, "-Y", "check-novalidate", "-n", namespace, "-s", sig], data)
    return result.returncode == 0


def principals(signature: str, allowed_signers: str, at: dt.date) -> list[str]:
    """The principals whose key (valid on ``at``) made ``signature`` (``-Y find-principals``)."""
    with _Files(signature, allowed_signers) as (sig, signers):
        result = _run(
            [PROGRAM, "-Y", "find-principals", "-f", signers, "-s", sig,
             "-O", f"verify-time={_noon(at)}"],
            b"",
        )  # fmt: skip
    if result.returncode != 0:
        return []
    found = result.stdout.decode("utf-8", "replace").split()
    return sorted({name for line in found for name in line.split(",") if name})


def _run(argv: Sequence[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(list(argv), input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise RepoStateError(
            "ssh-keygen is not installed (or not on PATH): signed approvals need it",
            hint=MISSING_HINT,
        ) from None


def _said(result: subprocess.CompletedProcess[bytes]) -> str:
    text = (result.stderr or result.stdout).decode("utf-8", "replace")
    return " ".join(text.split())[:300]


def _noon(day: dt.date) -> str:
    return day.strftime("%Y%m%d") + "1200"


class _Files:
    """A private folder holding the signature and the allowed signers as files."""

    def __init__(self, signature: str, allowed_signers: str) -> None:
        self.texts = (signature, allowed_signers)
        self.folder: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> tuple[str, str]:
        self.folder = tempfile.TemporaryDirectory(prefix="pmoctl-sig-")
        names = []
        for name, text in zip(("decision.sig", "allowed_signers"), self.texts, strict=True):
            path = os.path.join(self.folder.name, name)
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            names.append(path)
        return names[0], names[1]

    def __exit__(self, *_: object) -> None:
        if self.folder is not None:
            self.folder.cleanup()

"""The YAML side of a transition, done in a second process while the first loads pydantic.

Most of a transition's start-up is importing pydantic and building the models, on one
core. The YAML side of its work needs none of that: importing PyYAML, parsing the files
the guard will load, and the surgical edit of each moved service (together about a sixth
of the process). So, where the system can ``fork``, a child does that side meanwhile and
hands back what it found, pickled through a pipe: each parsed text with its data or its
:class:`~pmoctl.yaml.loader.LoadError`, and each edit with its result. The parent then answers
:func:`pmoctl.yaml.loader.parse` and the edit from them.

Both are functions of their input text alone and are looked up by that text, so nothing
can differ from doing the work in place: a file that changed since the child read it,
a child that failed or was too slow, or a system without ``fork`` only means that the
parent does the work itself, as it would without this module. The child writes nothing
but the pipe, holds no lock (it is forked before the lock is taken) and never outlives
the transition (:meth:`Prefetch.close`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmoctl.lifecycle.transition import Evidence
    from pmoctl.yaml.loader import LoadError

#: how long the parent waits for the child before it does the work itself
WAIT_SECONDS = 10.0


@dataclass
class Prefetched:
    """What the child found: parse results by text, and edits by (text, stage, move)."""

    parsed: dict[str, dict[str, Any] | LoadError] = field(default_factory=dict)
    edits: dict[tuple[str, str, str], str] = field(default_factory=dict)


def edit_key(text: str, stage: str, record: dict[str, object]) -> tuple[str, str, str]:
    """The key of one edit: both processes build ``record`` with the same function, so its
    ``repr`` (keys in insertion order, dates as dates) is the same for the same move."""
    return text, stage, repr(record)


class Prefetch:
    """A running child (:func:`start`); :meth:`collect` takes its answer, once."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid: int | None = pid
        self.pipe: int | None = pipe

    def collect(self) -> Prefetched:
        """The child's answer (empty if it failed or took too long); the parse results are
        handed to :func:`pmoctl.yaml.loader.remember_parsed`."""
        from pmoctl.yaml.loader import remember_parsed

        found = Prefetched()
        chunks: list[bytes] = []
        deadline = time.monotonic() + WAIT_SECONDS
        with contextlib.suppress(Exception):
            while self.pipe is not None:
                ready, _, _ = select.select([self.pipe], [], [], deadline - time.monotonic())
                if not ready:
                    break  # too slow: the parent does the work itself
                chunk = os.read(self.pipe, 1 << 20)
                if not chunk:
                    answer = pickle.loads(b"".join(chunks))  # our own child wrote it
                    if isinstance(answer, Prefetched):
                        found = answer
                    break
                chunks.append(chunk)
        self.close()
        remember_parsed(found.parsed)
        return found

    def close(self) -> None:
        """Stop the child if it still runs, and reap it."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is not None:
            with contextlib.suppress(OSError):
                if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
            self.pid = None


def start(
    root: Path, ids: Sequence[str], *, stage: str, approver_id: str, evidence: Evidence
) -> Prefetch | None:
    """Fork the child that parses and edits for a move of ``ids`` to ``stage``; None where
    there is no ``fork``."""
    if not hasattr(os, "fork"):
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never raises, writes nothing but the pipe
        status = 1
        try:
            os.close(read_end)
            answer = _work(root, ids, stage, approver_id, evidence)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return Prefetch(pid, read_end)


def _work(
    root: Path, ids: Sequence[str], stage: str, approver_id: str, evidence: Evidence
) -> Prefetched:
    """In the child: what the parent's plan and guard will parse and edit (see
    :func:`pmoctl.lifecycle.transition.plan`), done the same way."""
    from pmoctl.catalogue.files import list_files
    from pmoctl.lifecycle.guard import guard_inputs
    from pmoctl.lifecycle.transition import move_record
    from pmoctl.yaml import edit
    from pmoctl.yaml.loader import LoadError, parse, read_text

    found = Prefetched()

    def remember(text: str) -> dict[str, Any] | LoadError:
        if text not in found.parsed:
            try:
                found.parsed[text] = parse(text)
            except LoadError as error:
                found.parsed[text] = error
        return found.parsed[text]

    after: dict[str, str] = {}
    for ident in ids:
        rel = f"services/{ident}.yaml"
        try:
            text = read_text(root, rel)  # as the parent reads it (pipeline.load_file)
        except LoadError:
            continue
        data = remember(text)
        lifecycle = data.get("lifecycle") if isinstance(data, dict) else None
        source = lifecycle.get("stage") if isinstance(lifecycle, dict) else None
        if not isinstance(source, str):
            continue  # the parent refuses this move
        record = move_record(source, stage, approver_id, evidence)
        try:
            new = edit.apply_move(text, stage=stage, move=record)
        except (edit.EditError, LoadError):
            continue
        found.edits[edit_key(text, stage, record)] = new
        remember(new)
        after[rel] = new
    to_load, _ = guard_inputs(root, list_files(root), after)
    for rel, _kind in to_load:
        with contextlib.suppress(LoadError):
            remember(read_text(root, rel))
    return found

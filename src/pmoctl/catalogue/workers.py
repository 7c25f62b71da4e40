"""Loading catalogue files in forked worker processes, for large catalogues.

One job: share ``pipeline.load_file`` across processes and bring the results back in
file order, as if one process had loaded them. Kept apart from the pipeline because
only a run over many files needs it (``pipeline.load_all`` imports it then): the
fork, the hand-over files and the pickling cost nothing on the `pmoctl transition`
path, which loads one file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NoReturn

from pydantic import BaseModel

from pmoctl.catalogue.loading import LoadedFile, Waiver, load_file
from pmoctl.catalogue.models import MODELS_BY_KIND
from pmoctl.catalogue.slim import drop_unread, share_field_sets
from pmoctl.findings import Finding

#: what a worker sends back for one file: path, kind, the model as JSON (or the model
#: itself when it cannot be written as JSON), findings and waivers
_Record = tuple[str, str, bytes | BaseModel | None, list[Finding], list[Waiver]]


def _records(
    root: Path, max_bytes: int, items: list[tuple[str, str]], slim: bool
) -> Iterator[_Record]:
    """In a worker: load a run of files; send back small records, not model objects.

    Unpickling a pydantic model costs about twice as much as validating it again from
    JSON, which pydantic-core does in Rust (and it shares equal short strings).
    """
    for rel, kind in items:
        loaded = load_file(root, rel, kind, max_bytes)
        if slim:  # dropped fields are unset: not written, less to send and to read
            drop_unread(loaded.model)
        payload: bytes | BaseModel | None = loaded.model
        if loaded.model is not None:
            try:
                payload = loaded.model.model_dump_json(by_alias=True, exclude_unset=True).encode()
            except ValueError:  # pragma: no cover - e.g. a lone surrogate: send the model
                payload = loaded.model
        yield (rel, kind, payload, loaded.findings, loaded.waivers)


def _read_records(out: str) -> Iterator[_Record]:
    """The records a worker wrote, one at a time (they are not all held at once)."""
    import pickle

    with open(out, "rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


def load_in_workers(
    root: Path, tasks: list[tuple[str, str]], max_bytes: int, workers: int, slim: bool
) -> Iterable[LoadedFile]:
    """Load the first files here while forked workers load the rest; in file order.

    A worker starts in milliseconds (the models are imported before the fork), loads its
    slice and writes the records to a file, read when this process has loaded its own
    share; the models it sends as JSON are re-created here, so this process takes a
    little less than an even share. A plain fork, not a pool: a pool's feeder threads
    would wait for the GIL while this process parses, and stall the workers.
    """
    import tempfile

    own = int(len(tasks) / (workers + 1) * 0.9)
    rest = tasks[own:]
    size = -(-len(rest) // workers)
    slices = [rest[at : at + size] for at in range(0, len(rest), size)]
    children: list[tuple[int, str, list[tuple[str, str]]]] = []
    with tempfile.TemporaryDirectory(prefix="pmoctl-") as folder:
        try:
            for number, part in enumerate(slices):
                out = os.path.join(folder, f"{number}.pickle")
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the worker (coverage does not follow it)
                    _work(root, max_bytes, part, out, slim)
                children.append((pid, out, part))
            for rel, kind in tasks[:own]:
                loaded = load_file(root, rel, kind, max_bytes)
                share_field_sets(loaded.model, slim)
                yield loaded
            while children:
                pid, out, part = children.pop(0)
                _, status = os.waitpid(pid, 0)
                records = (
                    _read_records(out)
                    if status == 0
                    else _records(root, max_bytes, part, slim)  # the worker failed: load here
                )
                for rel, kind, payload, findings, waivers in records:
                    model = (
                        MODELS_BY_KIND[kind].model_validate_json(payload)
                        if isinstance(payload, bytes)
                        else payload
                    )
                    share_field_sets(model, slim)
                    yield LoadedFile(rel, kind, model, findings, waivers)
        finally:
            for pid, _, _ in children:  # interrupted: do not leave workers behind
                os.waitpid(pid, 0)


def _work(
    root: Path, max_bytes: int, part: list[tuple[str, str]], out: str, slim: bool
) -> NoReturn:
    """A forked worker: load these files, write the records to ``out``, exit at once.

    One pickle per record, written as it is made: neither side holds them all at once.
    """
    import pickle

    code = 1
    try:
        with open(out, "wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            for record in _records(root, max_bytes, part, slim):
                pickler.dump(record)
                pickler.clear_memo()
        code = 0
    finally:
        os._exit(code)

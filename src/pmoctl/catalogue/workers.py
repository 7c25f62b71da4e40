"""Loading catalogue files in worker processes, for large catalogues.

One job: share ``loading.load_file`` across processes and bring the results back in
file order, as if one process had loaded them. Kept apart from the pipeline because
only a run over many files needs it (``pipeline.load_all`` imports it then): the
process pool, the hand-over files and the pickling cost nothing on the
`pmoctl transition` path, which loads one file. A worker imports this module and
:mod:`pmoctl.catalogue.loading` (a spawned one imports them afresh), never the pipeline.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pmoctl.catalogue.loading import LoadedFile, Waiver, load_file
from pmoctl.catalogue.models import MODELS_BY_KIND
from pmoctl.catalogue.slim import drop_unread, share_field_sets
from pmoctl.findings import Finding
from pmoctl.runtime import worker_context

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
    """Load the first files here while worker processes load the rest; in file order.

    Each worker loads one slice and writes its records to a file, read when this process
    has loaded its own share; the models it sends as JSON are re-created here, so this
    process takes a little less than an even share. Plain processes, not a pool: a pool's
    threads would wait for the GIL while this process parses, and stall the hand-over. A
    worker that fails has its slice loaded here instead.
    """
    import tempfile

    own = int(len(tasks) / (workers + 1) * 0.9)
    rest = tasks[own:]
    size = -(-len(rest) // workers)
    slices = [rest[at : at + size] for at in range(0, len(rest), size)]
    context = worker_context()
    with tempfile.TemporaryDirectory(prefix="pmoctl-") as folder:
        jobs: list[tuple[Any, str, list[tuple[str, str]]]] = []
        try:
            for number, part in enumerate(slices):
                out = os.path.join(folder, f"{number}.pickle")
                process = context.Process(target=_work, args=(root, max_bytes, part, out, slim))
                process.start()
                jobs.append((process, out, part))
            for rel, kind in tasks[:own]:
                loaded = load_file(root, rel, kind, max_bytes)
                share_field_sets(loaded.model, slim)
                yield loaded
            for process, out, part in jobs:
                process.join()
                records = (
                    _read_records(out)
                    if process.exitcode == 0
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
        finally:  # interrupted: do not leave workers behind
            for process, _, _ in jobs:
                if process.exitcode is None:
                    process.terminate()
                process.join()


def _work(root: Path, max_bytes: int, part: list[tuple[str, str]], out: str, slim: bool) -> None:
    """In a worker: load these files and write the records to ``out``.

    One pickle per record, written as it is made: neither side holds them all at once.
    The collector is off, as in the whole run (a worker makes almost no cyclic garbage).
    """
    import gc

    gc.disable()
    import pickle

    with open(out, "wb") as handle:
        pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
        for record in _records(root, max_bytes, part, slim):
            pickler.dump(record)
            pickler.clear_memo()

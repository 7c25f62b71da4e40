"""Process-wide settings of a pmoctl command: pydantic's plugins, and the garbage collector.

Imported by ``pmoctl --version`` too, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: Environment variables pmoctl set for itself, not the user: git and its hooks get the
#: environment without them, as the user had it (pmoctl.gitrepo drops them).
SET_BY_PMOCTL: set[str] = set()


def disable_pydantic_plugins() -> None:
    """pmoctl uses no pydantic plugins, and pydantic looks for them in the entry points of
    every installed distribution the first time a model is built, unless its documented
    ``PYDANTIC_DISABLE_PLUGINS`` says not to. A setting of the user's own is kept."""
    if "PYDANTIC_DISABLE_PLUGINS" not in os.environ:
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
        SET_BY_PMOCTL.add("PYDANTIC_DISABLE_PLUGINS")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a whole command (``with gc_paused(): ...``).

    A pmoctl command is short and makes almost no cyclic garbage, while each collection
    walks every object alive: the loaded models in validate and render, a large share of
    a run on a large catalogue. Reference counting still frees everything else.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def worker_context() -> BaseContext:
    """How pmoctl starts worker processes: forked on Linux, spawned elsewhere.

    A forked worker inherits the imported modules and the loaded data and starts at once;
    a spawned one starts a fresh Python that imports what it needs and is handed its work
    pickled. Windows cannot fork, and on macOS a forked child may hang in the system's
    libraries, which is why Python itself spawns there by default.
    """
    import multiprocessing

    if sys.platform == "linux" and hasattr(os, "fork"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")

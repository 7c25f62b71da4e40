"""Process-wide settings of a pmoctl command: pydantic's plugins, the garbage collector,
and the day it runs as.

Imported by ``pmoctl --version`` too, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pmoctl.errors import UserError

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, SpawnContext

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


def worker_context() -> ForkContext | SpawnContext:
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


#: ``PMOCTL_TODAY=YYYY-MM-DD`` runs pmoctl as if it were that day, for reproducible runs:
#: tests, documentation examples, and re-running a scheduled job as of the day it ran.
TODAY_VARIABLE = "PMOCTL_TODAY"


def today() -> dt.date:
    """The day every date-dependent check and report measures against: the system's date,
    or ``PMOCTL_TODAY`` when it is set. A value that is not a date is a usage error."""
    value = os.environ.get(TODAY_VARIABLE, "").strip()
    if not value:
        return dt.date.today()
    try:
        # from 1900 to 2999: periods before and windows after stay countable
        if re.fullmatch(r"(19|2\d)\d\d-\d\d-\d\d", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass  # 2026-02-30
    return _not_a_date(value)


def now() -> dt.datetime:
    """The moment "now" means for durations (time in a stage): the current time, or the
    start of ``PMOCTL_TODAY`` (UTC) when it is set."""
    if os.environ.get(TODAY_VARIABLE, "").strip():
        return dt.datetime.combine(today(), dt.time(), dt.UTC)
    return dt.datetime.now(dt.UTC)


def _not_a_date(value: str) -> dt.date:
    raise UserError(
        f"{TODAY_VARIABLE}={value!r} is not a date",
        hint=f"set {TODAY_VARIABLE} to a day from 1900 to 2999 as YYYY-MM-DD, or unset it to "
        "use today's date",
    )

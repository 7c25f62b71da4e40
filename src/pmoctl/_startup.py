"""Settings made once at start-up, before anything heavy is imported."""

from __future__ import annotations

import os

#: Environment variables pmoctl set for itself, not the user: git and its hooks get the
#: environment without them, as the user had it (pmoctl.gitrepo drops them).
SET_BY_PMOCTL: set[str] = set()


def skip_pydantic_plugins() -> None:
    """pmoctl uses no pydantic plugins, and looking for them costs every run ~25 ms: pydantic
    scans the entry points of every installed distribution the first time a model is built.
    An explicit setting by the user wins."""
    if "PYDANTIC_DISABLE_PLUGINS" not in os.environ:
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
        SET_BY_PMOCTL.add("PYDANTIC_DISABLE_PLUGINS")

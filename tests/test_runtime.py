"""Process-wide settings (pmoctl.runtime): pydantic's plugin discovery is turned off through
its documented variable, only when the user has not set it; the collector pause restores
what it found."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from pmoctl import runtime

PROBE = """
import os, sys
from pmoctl.runtime import disable_pydantic_plugins, SET_BY_PMOCTL
disable_pydantic_plugins()
print(os.environ.get("PYDANTIC_DISABLE_PLUGINS"), sorted(SET_BY_PMOCTL))
"""


@pytest.mark.parametrize(
    ("users_value", "expected"),
    [
        (None, "__all__ ['PYDANTIC_DISABLE_PLUGINS']"),
        ("some-plugin", "some-plugin []"),  # the user's own setting wins, and is theirs
    ],
)
def test_plugins_are_disabled_unless_the_user_said_otherwise(
    users_value: str | None, expected: str
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    if users_value is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = users_value
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_gc_paused_restores_the_collector() -> None:
    assert gc.isenabled()
    with runtime.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with runtime.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_gc_paused_restores_the_collector_after_an_error() -> None:
    with pytest.raises(ValueError), runtime.gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()

"""Start-up settings (pmoctl._startup): pydantic's plugin discovery is skipped, and only when
the user has not said otherwise; the garbage collector pause restores what it found."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "catalogue"


def _imports_of_validate(env: dict[str, str], tmp_path: Path) -> str:
    """The modules a real `pmoctl validate` imports (python -X importtime's log)."""
    argv = [sys.executable, "-X", "importtime", "-m", "pmoctl", "validate", "--no-cache"]
    result = subprocess.run(
        [*argv, str(EXAMPLE)], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout
    return result.stderr


def test_pmoctl_builds_its_models_without_pydantics_plugin_loader(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    log = _imports_of_validate(env, tmp_path)
    assert "pmoctl.catalogue.models.service" in log  # the models were built...
    assert "pydantic.plugin._loader" not in log  # ...without the loader
    assert "importlib.metadata" not in log


def test_a_users_own_setting_keeps_pydantics_loader(tmp_path: Path) -> None:
    for value in ("__all__", "some-plugin"):
        log = _imports_of_validate({**os.environ, "PYDANTIC_DISABLE_PLUGINS": value}, tmp_path)
        assert "pydantic.plugin._loader" in log


STAND_IN = """
import os, sys
os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
from pmoctl import _startup
_startup.skip_pydantic_plugins()
stand_in = sys.modules["pydantic.plugin._loader"]
from pydantic import BaseModel
class Model(BaseModel):
    name: str
Model(name="x")
print(type(stand_in).__name__, tuple(stand_in.get_plugins()), "importlib.metadata" in sys.modules)
del os.environ["PYDANTIC_DISABLE_PLUGINS"]  # what a test that cleans up does
answer = stand_in.get_plugins()  # pydantic's own loader now answers
print(type(sys.modules["pydantic.plugin._loader"]).__name__, list(answer) == [],
      "importlib.metadata" in sys.modules, callable(stand_in.get_plugins))
"""


def test_the_stand_in_answers_as_pydantics_loader_would() -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    result = subprocess.run(
        [sys.executable, "-c", STAND_IN], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first == "_NoPluginLoader () False"  # a model was built, nothing was scanned
    # without the variable, pydantic's loader is imported and scans (no plugin installed here)
    assert second == "module True True True"


def test_gc_paused_restores_the_collector() -> None:
    from pmoctl._startup import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()

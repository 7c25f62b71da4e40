"""Settings made once at start-up, before anything heavy is imported.

Imported by ``pmoctl --version`` too, so it imports nothing but ``os``, ``sys`` and ``gc``
at module level (``typing``, ``contextlib``, ``types`` would double that command's time).
"""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType, TracebackType
    from typing import Any, NoReturn

#: Environment variables pmoctl set for itself, not the user: git and its hooks get the
#: environment without them, as the user had it (pmoctl.gitrepo drops them).
SET_BY_PMOCTL: set[str] = set()

_DISABLED = ("__all__", "1", "true")  # the values for which pydantic loads no plugin at all
_PLUGIN_LOADER = "pydantic.plugin._loader"


def skip_pydantic_plugins() -> None:
    """pmoctl uses no pydantic plugins; looking for them costs every command that builds a
    model. pydantic scans the entry points of every installed distribution the first time a
    model is built (~25 ms), unless ``PYDANTIC_DISABLE_PLUGINS`` says not to; and even then
    its plugin loader imports ``importlib.metadata`` (with email, zipfile, csv: ~6% of a
    transition's instructions) only to find the variable set. So pmoctl sets the variable
    and puts a stand-in (:func:`_no_plugin_loader`) in the loader's place. An explicit
    setting by the user wins, with pydantic's own loader."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    SET_BY_PMOCTL.add("PYDANTIC_DISABLE_PLUGINS")
    if _PLUGIN_LOADER not in sys.modules:
        sys.modules[_PLUGIN_LOADER] = _no_plugin_loader()


def _no_plugin_loader() -> ModuleType:
    """A stand-in for ``pydantic.plugin._loader`` while plugins are disabled.

    ``get_plugins`` returns what pydantic's own does when ``PYDANTIC_DISABLE_PLUGINS``
    disables all plugins: nothing. If the variable no longer does (a test took it away), or
    pydantic asks for anything else, pydantic's own loader is imported in its place and
    answers, so a pydantic release that changes its loader loses only the saving.
    """
    import importlib
    import types

    class _NoPluginLoader(types.ModuleType):
        def get_plugins(self) -> Iterable[Any]:
            if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in _DISABLED:
                return ()
            return self._pydantic_loader().get_plugins()  # type: ignore[no-any-return]

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):  # what the import system asks of any module (__path__)
                raise AttributeError(name)
            return getattr(self._pydantic_loader(), name)

        def _pydantic_loader(self) -> types.ModuleType:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            return importlib.import_module(self.__name__)

    return _NoPluginLoader(_PLUGIN_LOADER)


class _GcPause:
    was_enabled = True

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.was_enabled:
            gc.enable()


def gc_paused() -> _GcPause:
    """Pause the cyclic garbage collector for a whole command (``with gc_paused(): ...``).

    A pmoctl command is short and makes almost no cyclic garbage, while each collection
    walks every object alive: the loaded models in validate and render (a third of a run
    on a large catalogue), and the classes pydantic builds while a transition starts
    (about a tenth of its start-up). Reference counting still frees everything else.
    """
    return _GcPause()


def exit_now(code: int) -> NoReturn:
    """End a command that has finished everything, without Python's teardown.

    Tearing the interpreter down frees every object one by one and runs a last full garbage
    collection, about a twentieth of a transition (pydantic's classes and schemas); the
    operating system frees the memory at once. Only for a command whose files are closed,
    locks released and child processes reaped: its output is flushed here.
    """
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)

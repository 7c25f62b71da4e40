"""Entry point: ``pmoctl`` and ``python -m pmoctl``.

``pmoctl --version`` alone is answered before the command line is even imported: it is
what scripts and installers run to see whether pmoctl is there. Everything else goes
through :func:`pmoctl.cli.run`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from pmoctl._version import __version__

        sys.stdout.write(f"pmoctl {__version__}\n")
        raise SystemExit(0)
    from pmoctl.cli import run
    from pmoctl.runtime import disable_pydantic_plugins

    disable_pydantic_plugins()  # before the first model is built
    run()


if __name__ == "__main__":
    main()

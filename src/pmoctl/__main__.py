"""Entry point. `pmoctl --version` is answered before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from pmoctl._version import __version__

        sys.stdout.write(f"pmoctl {__version__}\n")
        raise SystemExit(0)
    from pmoctl.cli import run

    run()


if __name__ == "__main__":
    main()

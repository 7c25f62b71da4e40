"""Entry point. A few answers come before anything heavy is imported.

``pmoctl --version`` needs nothing but the version. ``pmoctl validate`` on a catalogue
that has not changed since its last check is answered from the cache without typer and
pydantic (typer builds pydantic adapters for every option: 150 ms of a 200 ms run). Only
plain command lines take that path; anything else, and every cache miss, goes through
the full CLI, which produces exactly the same output for them. Plain `transition` and
`history` command lines also run without typer (see :mod:`pmoctl.lifecycle.commands`).
"""

from __future__ import annotations

import sys

from pmoctl._startup import exit_now, gc_paused, skip_pydantic_plugins

_FORMATS = ("text", "json", "github", "sarif", "junit")
_FAIL_ON = ("error", "warning", "never")


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from pmoctl._version import __version__

        sys.stdout.write(f"pmoctl {__version__}\n")
        raise SystemExit(0)
    skip_pydantic_plugins()  # before pydantic is first imported
    if {"transition", "history"} & set(argv[:3]):  # typer-free when plain (see the module)
        with gc_paused():  # from the start: most of the cost is imports and model classes
            from pmoctl.lifecycle.commands import run_plain

            code = run_plain(argv)
        if code is not None:
            exit_now(code)
    if "validate" in argv[:3]:
        code = _validate_from_cache(argv)
        if code is not None:
            raise SystemExit(code)
    from pmoctl.cli import run

    run()


def _plain_validate(argv: list[str]) -> tuple[list[str], str, str, bool] | None:
    """Paths, format, fail-on and --no-color of a plain `validate` command line, or None.

    Accepts ``[--no-color] [--debug] validate [PATH ...] [--format F | -f F | --format=F]
    [--fail-on X | --fail-on=X] [--jobs N | -j N | --jobs=N]``; anything else is left to
    the full CLI (so are --no-cache, --help and every mistake).
    """
    no_colour = False
    at = 0
    while at < len(argv) and argv[at] in ("--no-color", "--debug"):
        no_colour = no_colour or argv[at] == "--no-color"
        at += 1
    if at >= len(argv) or argv[at] != "validate":
        return None
    paths: list[str] = []
    values = {"format": "text", "fail-on": "error", "jobs": "0"}
    names = {
        "--format": "format",
        "-f": "format",
        "--fail-on": "fail-on",
        "--jobs": "jobs",
        "-j": "jobs",
    }
    rest = argv[at + 1 :]
    index = 0
    while index < len(rest):
        token = rest[index]
        name, equals, value = token.partition("=")
        if not token.startswith("-"):
            paths.append(token)
        elif equals and name in names and name.startswith("--"):
            values[names[name]] = value
        elif not equals and token in names and index + 1 < len(rest):
            values[names[token]] = rest[index + 1]
            index += 1
        else:
            return None
        index += 1
    if values["format"] not in _FORMATS or values["fail-on"] not in _FAIL_ON:
        return None
    if not values["jobs"].isdigit() or any(not path for path in paths):
        return None
    return paths, values["format"], values["fail-on"], no_colour


def _validate_from_cache(argv: list[str]) -> int | None:
    """The exit code of a plain `validate` answered from the cache, or None to run it."""
    plain = _plain_validate(argv)
    if plain is None:
        return None
    paths, output_format, fail_on, no_colour = plain
    from pathlib import Path

    from pmoctl.api import resolve_targets
    from pmoctl.errors import PmoctlError
    from pmoctl.rules.validate import cached_result, fails

    try:
        root, only = resolve_targets([Path(path) for path in paths])
        result = cached_result(root, only=only)
    except (PmoctlError, OSError):
        return None  # the full CLI reports it
    if result is None:
        return None
    from pmoctl.catalogue.files import repo_prefix
    from pmoctl.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK
    from pmoctl.output import report

    try:
        report.write_findings(
            result.findings,
            output_format,
            files=result.files,
            no_colour=no_colour,
            path_prefix=repo_prefix(root),
        )
        sys.stdout.flush()
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        report.error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as bug:  # as the full CLI does (pmoctl.cli.run)
        if "--debug" in argv[: argv.index("validate")]:
            raise
        report.internal_error(bug)
        return EXIT_INTERNAL
    return int(fails([finding.severity.value for finding in result.findings], fail_on))


if __name__ == "__main__":
    main()

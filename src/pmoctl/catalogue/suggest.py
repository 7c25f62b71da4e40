"""'Did you mean' for names given on the command line (service ids, people, reasons).

No pydantic and no YAML: ``history`` uses it on its fast path.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pmoctl.errors import UserError

#: how many known names a hint lists when none is close
_LISTED = 8


def did_you_mean(value: str, known: Collection[str], what: str) -> str:
    """``did you mean 'x'?`` when one known name is close; then a few known names."""
    import difflib  # only on the way to an error

    listed = sorted(known)
    match = difflib.get_close_matches(value, listed, n=1, cutoff=0.6)
    guess = f"did you mean {match[0]!r}? " if match else ""
    if not listed:
        return f"there are no {what}"
    shown = ", ".join(listed[:_LISTED]) + (", ..." if len(listed) > _LISTED else "")
    return f"{guess}{what}: {shown}"


def service_ids(root: Path) -> list[str]:
    """The ids of the service files in ``root``'s services folder."""
    try:
        return [path.stem for path in (root / "services").glob("*.yaml") if path.is_file()]
    except OSError:
        return []


def unknown_service(root: Path, ident: str) -> UserError:
    """The error for a service id with no file (exit 2, as for every unknown name)."""
    return UserError(
        f"no service {ident!r}: there is no services/{ident}.yaml",
        hint=did_you_mean(ident, service_ids(root), "services"),
    )

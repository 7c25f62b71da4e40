"""Validate a large document in pieces, so that its schema errors cost bounded memory.

pydantic keeps every error of a validation, and a small file can hold a great many: each
``{}`` in a list of processes misses seven required keys, and 256 KiB hold 85,000 of them.
A document of more than :data:`BUDGET` nodes is therefore validated in pieces of about
that size, and the errors are counted piece by piece; only the first pieces' errors are
turned into dictionaries (what a finding is made from), the rest are only counted.

A piece is the document with some of its lists cut:

- the *rest*: the document with its largest lists emptied; it owns every error but those
  inside the items of the emptied lists (and the "too short" that emptying a list causes);
- a *window*: a run of one list's items, under a skeleton of the path to that list (each
  mapping on the way holding only the key that leads there, each list only the item); it
  owns the errors inside the window's items.

Items of a list are validated independently of each other and of the rest of the document
(the models have no validator that looks across fields), so the errors of the pieces are
exactly those of the whole document. A window that is itself too large is split again.
Positions are translated back: a list in a piece may start at an item other than the
first (:attr:`Piece.shifts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pmoctl.findings import DocPath

#: documents of at most this many nodes are validated whole
BUDGET = 4000
#: the pieces of a larger document have about this many nodes
PIECE = 1000
#: stop turning the errors of pieces into dictionaries once this many are collected
COLLECT = 300
#: parts of the document this small are not searched for lists to cut (many of them
#: outside any large list do not add up to enough errors to matter)
_SMALL = 32


@dataclass
class Piece:
    """A document with some lists cut; ``owner`` is None for a rest, the window otherwise."""

    root: Any
    owner: list[Any] | None
    #: by id of a list in ``root``: the index in the original list of its first item
    shifts: dict[int, int] = field(default_factory=dict)
    #: ids of lists in ``root`` emptied here (their items are validated in windows)
    emptied: set[int] = field(default_factory=set)
    #: errors outside the window (from the skeleton): counted once, with the list empty
    outside: int = 0
    #: the window is small and holds no emptied list: count errors without looking at them
    simple: bool = False
    #: a window: the id of the original list it is part of
    source: int = 0
    #: the copies made for this piece, kept alive while their ids are keys above
    copies: list[Any] = field(default_factory=list)


@dataclass
class Result:
    """What validating in pieces gave: every error counted, the first ones kept."""

    count: int = 0
    #: pydantic's error dictionaries, their ``loc`` translated to the whole document's
    errors: list[ErrorDetails] = field(default_factory=list)


def validate_in_pieces(model: type[BaseModel], data: Any) -> Result:
    """Count the errors of ``data`` against ``model``, keeping about :data:`COLLECT` of them."""
    sizes: dict[int, int] = {}
    _measure(data, sizes)
    result = Result()
    memo: dict[tuple[int, str], int] = {}
    for piece in _pieces(model, data, sizes):
        if piece.simple and len(result.errors) >= COLLECT:
            result.count += _count_window(model, piece, memo)
            continue
        try:
            model.model_validate(piece.root)
        except ValidationError as error:
            for item in error.errors(include_url=False, include_context=True, include_input=True):
                loc = _owned(piece, item)
                if loc is None:
                    continue
                result.count += 1
                if len(result.errors) < COLLECT:
                    item["loc"] = loc
                    result.errors.append(item)
    return result


def _count_window(model: type[BaseModel], piece: Piece, memo: dict[tuple[int, str], int]) -> int:
    """The errors inside the items of a window.

    A hostile file repeats one item thousands of times: items written alike (equal
    ``repr``, so equal values) have the same errors, and each is validated once.
    """
    window = piece.owner
    assert window is not None
    keys = [repr(item) for item in window]
    firsts = {key: index for index, key in reversed(list(enumerate(keys)))}
    if len(firsts) * 2 > len(keys):  # mostly different: count them as they are
        try:
            model.model_validate(piece.root)
        except ValidationError as error:
            return error.error_count() - piece.outside
        return 0
    unseen = [key for key in firsts if (piece.source, key) not in memo]
    if unseen:
        items = list(window)
        window[:] = [items[firsts[key]] for key in unseen]  # the same list: owner stays
        counts = dict.fromkeys(range(len(unseen)), 0)
        try:
            model.model_validate(piece.root)
        except ValidationError as again:
            for item in again.errors(include_url=False):
                inside = _walk(piece, item["loc"])[2]
                if inside is not None:
                    counts[inside] += 1
        finally:
            window[:] = items
        for index, key in enumerate(unseen):
            memo[piece.source, key] = counts[index]
    return sum(memo[piece.source, key] for key in keys)


def size_of(data: Any) -> int:
    """How many nodes (mappings, lists, scalars; keys not counted) ``data`` holds."""
    return _measure(data, {}) if isinstance(data, (dict, list)) else 1


def _measure(value: Any, sizes: dict[int, int]) -> int:
    total = 1
    for item in value.values() if isinstance(value, dict) else value:
        total += _measure(item, sizes) if isinstance(item, (dict, list)) and item else 1
    sizes[id(value)] = total
    return total


def _size(value: Any, sizes: dict[int, int]) -> int:
    """Size of an original container (measured once) or of a copy made here."""
    known = sizes.get(id(value))
    if known is not None:
        return known
    if not isinstance(value, (dict, list)) or not value:
        return 1
    return 1 + sum(
        _size(item, sizes) for item in (value.values() if isinstance(value, dict) else value)
    )


Path = tuple[Any, ...]  # keys and indices from a piece's root


def _pieces(model: type[BaseModel], data: Any, sizes: dict[int, int]) -> Iterator[Piece]:
    work = [Piece(data, None)]
    while work:
        piece = work.pop()
        region: Any = piece.root if piece.owner is None else piece.owner
        if piece.simple or _size(region, sizes) <= PIECE:
            yield piece
            continue
        cut = _lists_to_cut(region, _size(region, sizes), sizes, piece.owner is not None)
        if not cut:  # one huge mapping, say: nothing to split
            yield piece
            continue
        base = _path_to(piece.root, region)
        paths = [base + path for path in cut]
        rest = piece
        windows: list[Piece] = []
        for path in paths:
            target = _at(piece.root, path)
            empty: list[Any] = []
            rest = _replaced(rest, path, empty, strip=False)
            rest.emptied.add(id(empty))
            outside = _outside(model, piece, path)
            for start, stop, weight in _windows(target, sizes):
                items = target[start:stop]
                window = _replaced(piece, path, items, strip=True, first=start)
                window.owner = items
                window.outside = outside
                window.simple = weight < PIECE  # else split again (and its rest is not)
                window.source = id(target)
                windows.append(window)
        if piece.owner is not None:
            rest.owner = _at(rest.root, base)  # copied on the way down
        # the rest first, then the windows in document order (the stack pops the last)
        work.extend(reversed(windows))
        work.append(rest)


def _lists_to_cut(region: Any, total: int, sizes: dict[int, int], inside_only: bool) -> list[Path]:
    """The largest lists under ``region`` to empty until what is left fits the budget."""
    found: list[tuple[int, Path]] = []

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if item.__class__ in (dict, list) and item and _size(item, sizes) > _SMALL:
                    walk(item, (*path, key))
        else:
            if path or not inside_only:
                found.append((_size(value, sizes), path))
            for index, item in enumerate(value):
                if item.__class__ in (dict, list) and item and _size(item, sizes) > _SMALL:
                    walk(item, (*path, index))

    walk(region, ())
    found.sort(key=lambda entry: -entry[0])
    chosen: list[Path] = []
    for size, path in found:
        if total <= PIECE:
            break
        if any(path[: len(done)] == done for done in chosen):
            continue  # inside a list already emptied
        chosen.append(path)
        total -= size - 1
    return chosen


def _windows(items: list[Any], sizes: dict[int, int]) -> Iterator[tuple[int, int, int]]:
    """Runs of items of about :data:`PIECE` nodes (a larger item is a run of its own)."""
    start, weight = 0, 0
    for index, item in enumerate(items):
        size = _size(item, sizes) if item.__class__ in (dict, list) and item else 1
        if weight and weight + size >= PIECE:  # with the list itself, at most PIECE
            yield start, index, weight
            start, weight = index, 0
        weight += size
    if start < len(items):
        yield start, len(items), weight


def _path_to(root: Any, target: Any) -> Path:
    """The path of ``target`` (a container in ``root``, found by identity)."""
    if root is target:
        return ()
    stack: list[tuple[Any, Path]] = [(root, ())]
    while stack:
        value, path = stack.pop()
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in children:
            if item is target:
                return (*path, key)
            if isinstance(item, (dict, list)):
                stack.append((item, (*path, key)))
    raise ValueError("not in the document")  # pragma: no cover - callers pass a part of root


def _at(root: Any, path: Path) -> Any:
    for key in path:
        root = root[key]
    return root


def _replaced(piece: Piece, path: Path, new: list[Any], *, strip: bool, first: int = 0) -> Piece:
    """A copy of ``piece`` with the list at ``path`` replaced by ``new``.

    Containers on the path are copied (the others shared); with ``strip`` each holds only
    the way down. The copy keeps the piece's emptied lists (by id: shared or copied).
    """
    shifts: dict[int, int] = {}
    copies: list[Any] = [*piece.copies, new]

    def copy(value: Any, depth: int) -> Any:
        if depth == len(path):
            shifts[id(new)] = piece.shifts.get(id(value), 0) + first
            return new
        key = path[depth]
        child = copy(value[key], depth + 1)
        if isinstance(value, dict):
            made: Any = {key: child} if strip else {**value, key: child}
        else:
            made = [child] if strip else [*value[:key], child, *value[key + 1 :]]
            shifts[id(made)] = piece.shifts.get(id(value), 0) + (key if strip else 0)
        copies.append(made)
        return made

    root = copy(piece.root, 0)
    # lists off the path are shared with the original piece: their shifts stay
    for key, value in piece.shifts.items():
        shifts.setdefault(key, value)
    return Piece(root, piece.owner, shifts, set(piece.emptied), copies=copies)


def _outside(model: type[BaseModel], piece: Piece, path: Path) -> int:
    """Errors a window of the list at ``path`` has outside its items (the skeleton's)."""
    empty: list[Any] = []
    skeleton = _replaced(piece, path, empty, strip=True)
    skeleton.owner = empty
    try:
        model.model_validate(skeleton.root)
    except ValidationError as error:
        end = skeleton.owner
        return sum(
            1
            for item in error.errors(include_url=False)
            if not (item["type"] == "too_short" and _walk(skeleton, item["loc"])[1] is end)
        )
    return 0


def _owned(piece: Piece, item: ErrorDetails) -> DocPath | None:
    """The error's path in the whole document, or None if another piece reports it."""
    loc, end, inside = _walk(piece, item["loc"])
    if piece.owner is not None and inside is None:
        return None
    if item["type"] == "too_short" and isinstance(end, list) and id(end) in piece.emptied:
        return None
    return loc


def _walk(piece: Piece, loc: tuple[Any, ...]) -> tuple[DocPath, Any, int | None]:
    """Follow ``loc`` in the piece: the whole document's path, the value reached, and
    the item of the piece's window the path entered (its index there), if any."""
    value = piece.root
    out: list[Any] = []
    inside: int | None = None
    for element in loc:
        if isinstance(value, dict) and element in value:
            value = value[element]
        elif isinstance(value, list) and isinstance(element, int) and 0 <= element < len(value):
            if value is piece.owner:
                inside = element
            out.append(element + piece.shifts.get(id(value), 0))
            value = value[element]
            continue
        out.append(element)
    return tuple(out), value, inside

"""Keep many loaded models in little memory: shared field sets, slimmed models.

`pmoctl validate` keeps every model of a catalogue at once for the cross-document rules
(10,000 services must fit in 200 MB). pydantic gives each model instance its own set of
set fields, and every parsed text is a new object; a slimmed model also drops what no
rule reads. Only ever applied to models just loaded, which nothing else holds yet.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

from pydantic import BaseModel

from pmoctl.catalogue.models import service as service_models
from pmoctl.runtime import today

__all__ = ["SHARED_MODELS", "SLIM_FIELDS", "drop_unread", "forget_shared", "share_field_sets"]

#: Fields no cross-document rule reads, by model: a slimmed model has them at their
#: default and unset (only fields with a default, so a slimmed model still validates).
#: KPI readings and long texts are a third of a service's memory, and validate keeps
#: every model at once for the rules; findings come from the full model. A KPI keeps its
#: latest reading up to today only (:func:`_trim`): KPI-READING-DUE reads its date.
#: tests/test_pipeline_memory.py runs the rules with these fields poisoned and checks
#: that no rule module names them (``description`` and ``quality`` only as a lifecycle
#: requirement's text and a module name).
SLIM_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    service_models.Service: ("description", "outcome", "request", "links", "service_levels"),
    service_models.Needs: ("competence", "governance", "infrastructure"),
    service_models.Funding: ("recharge_basis",),
    service_models.ProcessInput: ("quality",),
    service_models.ProcessOutput: ("quality",),
    service_models.ArtefactReview: ("kept", "discarded"),
}

_FIELD_SETS: dict[tuple[type[BaseModel], int], list[set[str]]] = {}
_NESTED: dict[type[BaseModel], tuple[str, ...]] = {}


def share_field_sets(model: BaseModel | None, slim: bool = False) -> None:
    """Let frozen models whose set fields are the same share one ``model_fields_set``.

    pydantic gives every model instance a set of its own, and a set costs 200-700 bytes:
    about 40 % of the memory a loaded catalogue takes. A frozen model never changes its
    set (``model_copy`` copies it first), so equal sets can be one object.

    ``slim``: slim the model instead (:func:`_slim_model`), which shares the sets too.
    """
    if model is None or not model.model_config.get("frozen"):
        return
    if slim:
        _slim_model(model)
        return
    stack = [model]
    while stack:
        node = stack.pop()
        _share_set(node, node.__class__, node.__pydantic_fields_set__)
        _push_nested(node, stack)


def drop_unread(model: BaseModel | None) -> None:
    """Only drop the fields of :data:`SLIM_FIELDS`: what a worker does before it writes
    a model as JSON (they are unset, so not written); the process that keeps the model
    slims it fully."""
    stack = [model] if model is not None else []
    while stack:
        node = stack.pop()
        cls = node.__class__
        if cls in SLIM_FIELDS:
            fields = _drop(cls, node.__dict__, node.__pydantic_fields_set__)
            object.__setattr__(node, "__pydantic_fields_set__", fields)
        elif cls is service_models.Kpi:
            _trim(node)
        _push_nested(node, stack)


def _trim(node: BaseModel) -> None:
    """A KPI's readings cut down to the latest one up to today, and any dated after today
    (which KPI-READING-DUE does not count): the models are frozen, so a new list."""
    readings = node.__dict__["readings"]
    if len(readings) > 1:
        day = today()
        past = [reading for reading in readings if reading.date <= day]
        kept = [max(past, key=lambda reading: reading.date)] if past else []
        node.__dict__["readings"] = kept + [r for r in readings if r.date > day]


def _push_nested(node: BaseModel, stack: list[BaseModel]) -> None:
    """Put the (frozen) models ``node`` holds on ``stack``."""
    cls = node.__class__
    nested = _NESTED.get(cls)
    if nested is None:
        nested = _NESTED[cls] = _nested_fields(cls)
    values = node.__dict__
    for name in nested:
        value = values[name]
        if value.__class__ is list:
            stack.extend(item for item in value if isinstance(item, BaseModel))
        elif value.__class__ is dict:
            stack.extend(item for item in value.values() if isinstance(item, BaseModel))
        elif isinstance(value, BaseModel):
            stack.append(value)


def _drop(cls: type[BaseModel], values: dict[str, Any], fields: set[str]) -> set[str]:
    """Set the fields of :data:`SLIM_FIELDS` to their defaults (the class's own objects,
    never changed: the models are frozen); the set fields without them."""
    dropped = SLIM_FIELDS[cls]
    for name in dropped:
        values[name] = cls.model_fields[name].default
    return fields.difference(dropped) if not fields.isdisjoint(dropped) else fields


def _share_set(node: BaseModel, cls: type[BaseModel], fields: set[str]) -> set[str]:
    """Give ``node`` the shared set equal to ``fields``; that set."""
    candidates = _FIELD_SETS.get((cls, len(fields)))
    if candidates is None:
        _FIELD_SETS[(cls, len(fields))] = [fields]
    else:
        for candidate in candidates:
            if candidate == fields:
                fields = candidate
                break
        else:
            candidates.append(fields)
    if node.__pydantic_fields_set__ is not fields:
        object.__setattr__(node, "__pydantic_fields_set__", fields)
    return fields


#: one object for each equal text, date or small value model of a slimmed load (cleared
#: by :func:`forget_shared`): ids, names and codes recur across services, as do thresholds,
#: managers, process inputs..., each a new object every time it is parsed
_SHARED: dict[object, Any] = {}
#: the small value models that recur: equal ones (same values, same set fields) are one
#: object in a slimmed catalogue (they are frozen; no rule tells them apart)
SHARED_MODELS: frozenset[type[BaseModel]] = frozenset(
    (
        service_models.Sourcing,
        service_models.Delivery,
        service_models.Manager,
        service_models.Roles,
        service_models.CapacityNeed,
        service_models.Needs,
        service_models.Funding,
        service_models.InputSource,
        service_models.ProcessInput,
        service_models.Thresholds,
        service_models.ArtefactReview,
    )
)


_PLAIN = frozenset((type(None), bool, int, float))


def forget_shared() -> None:
    """Drop the table of shared objects at the end of a load (the models hold them)."""
    _SHARED.clear()


def _slim_model(node: BaseModel) -> BaseModel:
    """Slim one model, its nested models first; the (possibly shared) model to keep.

    The fields of :data:`SLIM_FIELDS` become their defaults (the class's own object) and
    unset; texts, dates and models of :data:`SHARED_MODELS` become shared objects. In
    place: the model was just made and nothing else holds it.
    """
    cls = node.__class__
    values = node.__dict__
    fields = node.__pydantic_fields_set__
    if cls in SLIM_FIELDS:
        fields = _drop(cls, values, fields)
    elif cls is service_models.Kpi:
        _trim(node)
    fields = _share_set(node, cls, fields)
    shared = _SHARED.setdefault
    for name, value in values.items():  # replacing values of existing keys only
        kind = value.__class__
        if kind is str or kind is dt.date:
            values[name] = shared(value, value)
        elif kind in _PLAIN:
            continue
        elif kind is list:
            if not value:
                continue
            if value[0].__class__ is str:  # a list holds one type (the models say so)
                value[:] = [shared(item, item) for item in value]
            elif isinstance(value[0], BaseModel):
                value[:] = [_slim_model(item) for item in value]
        elif kind is dict:
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    value[key] = _slim_model(item)
        elif isinstance(value, BaseModel):
            values[name] = _slim_model(value)
    if cls not in SHARED_MODELS:
        return node
    return typing.cast(BaseModel, shared((cls, id(fields), *map(_key, values.values())), node))


def _key(value: Any) -> object:
    """What tells a field value apart from others: nested models are shared already."""
    kind = value.__class__
    if kind is list:
        return (list, *map(_key, value))
    if kind is dict:
        return (dict, *((key, _key(item)) for key, item in value.items()))
    if isinstance(value, BaseModel):
        return id(value)
    return (kind, repr(value) if kind is float else value)  # 0.0 and -0.0 differ


def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a (frozen) model that can hold frozen models, or lists/dicts of them."""

    def holds_model(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return bool(annotation.model_config.get("frozen"))
        return any(holds_model(arg) for arg in typing.get_args(annotation))

    return tuple(name for name, info in cls.model_fields.items() if holds_model(info.annotation))

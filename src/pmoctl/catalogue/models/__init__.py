"""The catalogue format, version 1, as pydantic v2 models (``extra="forbid"``).

The model modules do without ``from __future__ import annotations``: with it, pydantic
evaluates every field's annotation from its text when the class is made, which costs every
command that loads the models (a transition, for one) about 1.5% of its instructions.
"""

from __future__ import annotations

from pydantic import BaseModel

from pmoctl.catalogue.kinds import KINDS
from pmoctl.catalogue.models.common import FORMAT_VERSION, ID_PATTERN, ClosureReason, JobRole, Stage
from pmoctl.catalogue.models.config import Config
from pmoctl.catalogue.models.handbook import Activity, Handbook, Procedure
from pmoctl.catalogue.models.organisation import Organisation, Person, Pmo
from pmoctl.catalogue.models.service import Appointment, Kpi, Move, Process, Service
from pmoctl.catalogue.models.strategy import Strategy

#: document kind -> model, for every kind of the registry (``pmoctl.catalogue.kinds``)
MODELS_BY_KIND: dict[str, type[BaseModel]] = {kind.name: globals()[kind.model] for kind in KINDS}

__all__ = [
    "FORMAT_VERSION",
    "ID_PATTERN",
    "MODELS_BY_KIND",
    "Activity",
    "Appointment",
    "ClosureReason",
    "Config",
    "Handbook",
    "JobRole",
    "Kpi",
    "Move",
    "Organisation",
    "Person",
    "Pmo",
    "Procedure",
    "Process",
    "Service",
    "Stage",
    "Strategy",
]

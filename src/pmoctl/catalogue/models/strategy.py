"""strategy.yaml: the PMO Service Strategy (one per organisation, owned by a PMO Director)."""

from typing import Literal

from pydantic import Field, StrictBool

from pmoctl.catalogue.models.common import FormatVersion, Id, Model, ShortText, Text


class Objective(Model):
    id: Id
    title: ShortText
    description: Text | None = None


class Criterion(Model):
    id: Id
    name: ShortText
    weight: float = Field(gt=0, le=100)
    description: Text | None = None


class Prioritisation(Model):
    criteria: list[Criterion] = Field(min_length=1)
    scale: int = Field(default=5, ge=2, le=10, description="Scores run from 1 to this.")
    notes: Text | None = None


class Recharge(Model):
    enabled: StrictBool
    principles: list[Text] = []


class Funding(Model):
    principles: list[Text] = Field(min_length=1)
    recharge: Recharge


class Strategy(Model):
    format: FormatVersion
    kind: Literal["strategy"]
    title: ShortText
    owner: Id
    vision: Text
    objectives: list[Objective] = Field(min_length=1)
    prioritisation: Prioritisation
    funding: Funding
    resourcing: list[Text] = []

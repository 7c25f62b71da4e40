"""strategy.yaml: the PMO Service Strategy (one per organisation, owned by a PMO Director)."""

from typing import Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from pmoctl.catalogue.models.common import (
    FORMAT_HELP,
    KIND_HELP,
    FormatVersion,
    Id,
    Model,
    ShortText,
    Text,
)


class Objective(Model):
    id: Id = Field(description="The objective's id, named in services' `strategy.objectives`.")
    title: ShortText = Field(description="The objective, in a line.")
    description: Text | None = Field(default=None, description="More about it.")


class Criterion(Model):
    id: Id = Field(description="The criterion's id, a key of services' `strategy.scores`.")
    name: ShortText = Field(description="The criterion.")
    weight: StrictFloat = Field(gt=0, le=100, description="Its weight in the overall score.")
    description: Text | None = Field(default=None, description="How to score it.")


class Prioritisation(Model):
    criteria: list[Criterion] = Field(
        min_length=1, description="The criteria a requested service is scored on."
    )
    scale: StrictInt = Field(
        default=5, ge=2, le=10, description="Scores run from 1 to this number."
    )
    notes: Text | None = Field(default=None, description="How and when prioritisation is done.")


class Recharge(Model):
    enabled: StrictBool = Field(description="Whether any service is recharged.")
    principles: list[Text] = Field(default=[], description="The recharging principles.")


class Funding(Model):
    principles: list[Text] = Field(
        min_length=1, description="The funding principles, one per item."
    )
    recharge: Recharge = Field(description="Whether and how services are recharged.")


class Strategy(Model):
    format: FormatVersion = Field(description=FORMAT_HELP)
    kind: Literal["strategy"] = Field(description=KIND_HELP)
    title: ShortText = Field(description="The strategy's title.")
    owner: Id = Field(description="A PMO Director (person id).")
    vision: Text = Field(description="The PMO vision.")
    objectives: list[Objective] = Field(
        min_length=1, description="The organisation's strategic objectives that services serve."
    )
    prioritisation: Prioritisation = Field(description="How requested services are prioritised.")
    funding: Funding = Field(description="Principles for funding the services.")
    resourcing: list[Text] = Field(
        default=[], description="Principles for applying resources to services."
    )

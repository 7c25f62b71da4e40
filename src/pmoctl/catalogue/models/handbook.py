"""handbook.yaml and procedures/<id>.yaml: the PMO Operations Handbook."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from pmoctl.catalogue.models.common import (
    FORMAT_HELP,
    KIND_HELP,
    FormatVersion,
    Id,
    Model,
    ShortText,
    Text,
)

#: R, A, C, I, or AR for a party that is both accountable and responsible.
RaciLetters = Annotated[str, StringConstraints(pattern=r"^(R|A|C|I|AR|RA)$")]


class Handbook(Model):
    format: FormatVersion = Field(description=FORMAT_HELP)
    kind: Literal["handbook"] = Field(description=KIND_HELP)
    title: ShortText = Field(description="The handbook's title.")
    owner: Id = Field(description="A PMO Manager (person id).")
    purpose: Text | None = Field(default=None, description="What the handbook covers.")


class KpiRef(Model):
    service: Id = Field(description="The service (id).")
    kpi: Id = Field(description="The KPI's id in that service.")


class Activity(Model):
    id: Id = Field(description="The activity's id, unique in the procedure.")
    name: ShortText = Field(description="The activity.")
    description: Text | None = Field(default=None, description="How it is done.")
    raci: dict[Id, RaciLetters] = Field(
        min_length=1,
        description=(
            "Party to letters: a person id or a job role, mapped to `R`, `A`, `C`, `I` or `AR`. "
            "Exactly one A (or AR) and at least one R per activity."
        ),
    )
    tools: list[ShortText] = Field(default=[], description="Tools and techniques used.")


class Procedure(Model):
    format: FormatVersion = Field(description=FORMAT_HELP)
    kind: Literal["procedure"] = Field(description=KIND_HELP)
    id: Id = Field(description="The procedure's id; the file is `procedures/<id>.yaml`.")
    name: ShortText = Field(description="The procedure's name.")
    purpose: Text = Field(description="What it achieves and when it is used.")
    category: Literal["delivery", "monitoring", "performance", "recharge", "governance"] = Field(
        description=(
            "Delivering services, monitoring them, monitoring the PMO's own performance, "
            "recharging, or governance."
        )
    )
    services: list[Id] = Field(
        default=[],
        description=(
            "The services this procedure supports. A service in pilot or later needs at least one"
            " supporting procedure."
        ),
    )
    monitors: list[KpiRef] = Field(default=[], description="KPIs this procedure reports.")
    activities: list[Activity] = Field(min_length=1, description="The activities, in order.")

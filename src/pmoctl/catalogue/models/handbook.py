"""handbook.yaml and procedures/<id>.yaml: the PMO Operations Handbook."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from pmoctl.catalogue.models.common import FormatVersion, Id, Model, ShortText, Text

#: R, A, C, I, or AR for a party that is both accountable and responsible.
RaciLetters = Annotated[str, StringConstraints(pattern=r"^(R|A|C|I|AR|RA)$")]


class Handbook(Model):
    format: FormatVersion
    kind: Literal["handbook"]
    title: ShortText
    owner: Id
    purpose: Text | None = None


class KpiRef(Model):
    service: Id
    kpi: Id


class Activity(Model):
    id: Id
    name: ShortText
    description: Text | None = None
    raci: dict[Id, RaciLetters] = Field(
        min_length=1,
        description="Party (a person id or a job role such as pmo-analyst) to R, A, C, I or AR.",
    )
    tools: list[ShortText] = []


class Procedure(Model):
    format: FormatVersion
    kind: Literal["procedure"]
    id: Id
    name: ShortText
    purpose: Text
    category: Literal["delivery", "monitoring", "performance", "recharge", "governance"]
    services: list[Id] = Field(default=[], description="The services this procedure supports.")
    monitors: list[KpiRef] = Field(default=[], description="KPIs this procedure reports.")
    activities: list[Activity] = Field(min_length=1)

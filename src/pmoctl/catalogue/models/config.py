"""pmoctl.yaml: the catalogue's own settings. Its presence marks the catalogue root."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from pmoctl.catalogue.models.common import FormatVersion, Model, ShortText

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,40}$")]


class RuleSetting(Model):
    severity: Literal["error", "warning", "off"]


class RenderSettings(Model):
    templates: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$",
        description="A folder (relative to the catalogue) whose templates override the built-ins.",
    )
    title: ShortText | None = None


class Config(Model):
    format: FormatVersion
    kind: Literal["config"]
    name: ShortText
    rules: dict[RuleId, RuleSetting | Literal["off", "error", "warning"]] = {}
    render: RenderSettings = RenderSettings()
    max_file_bytes: int = Field(default=262_144, ge=1024, le=4_194_304)

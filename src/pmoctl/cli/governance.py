"""Governance commands: the decisions the guidance gives to a role, other than stage moves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pmoctl.cli.common import (
    AllowDetachedOption,
    ApprovedByOption,
    CatalogueOption,
    DateOption,
    DryRunOption,
    NoteOption,
    SignKeyOption,
    app,
    parse_date,
    recorded,
)


@app.command(name="appoint")
def appoint_command(  # noqa: PLR0917 - typer passes options positionally
    service: Annotated[str, typer.Argument(help="The service id.")],
    approved_by: ApprovedByOption,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="Appoint this person Service Owner (by a PMO Director)."),
    ] = None,
    manager: Annotated[
        str | None,
        typer.Option(
            "--manager",
            help="Appoint this person a Service Manager (by a PMO Director, with --pmo and "
            "--agreed-with).",
        ),
    ] = None,
    operative: Annotated[
        str | None,
        typer.Option(
            "--operative",
            help="Appoint this person a Service Operative (by the Service Owner or a Manager).",
        ),
    ] = None,
    pmo: Annotated[
        str | None,
        typer.Option(
            "--pmo",
            help="The delivering PMO the manager manages it for (default: the only one, or "
            "the manager's own).",
        ),
    ] = None,
    agreed_with: Annotated[
        str | None,
        typer.Option(
            "--agreed-with",
            help="The PMO Manager of that PMO who agreed the manager's appointment.",
        ),
    ] = None,
    note: NoteOption = None,
    date: DateOption = None,
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Appoint a Service Owner, Manager or Operative as one approved git commit.

    Sets the role in the service file and appends the appointment to roles.appointments
    (a new owner replaces the old one, and the record says so). A PMO Director appoints
    owners and managers (a manager with the agreement of the PMO Manager of their PMO); the
    Service Owner or a Service Manager appoints operatives. Exit 1 when refused, 3 when the
    repository is not in a state to commit, 4 when git or a hook refused the commit.
    """
    from pmoctl import api

    when = parse_date("--date", date)
    return recorded(
        lambda: api.appoint(
            catalogue or Path.cwd(), service, approved_by=approved_by, owner=owner,
            manager=manager, operative=operative, pmo=pmo, agreed_with=agreed_with, note=note,
            date=when, dry_run=dry_run, allow_detached=allow_detached, key=key,
        ),
        dry_run=dry_run,
    )  # fmt: skip

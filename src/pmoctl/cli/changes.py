"""Change requests and improvements of a service: change new, approve, reject, implement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pmoctl.catalogue.vocabulary import ChangeKind, ChangeReason
from pmoctl.cli.common import (
    AllowDetachedOption,
    CatalogueOption,
    DryRunOption,
    SignKeyOption,
    app,
    recorded,
)
from pmoctl.cli.lifecycle import ServiceArgument

change_app = typer.Typer(
    help=(
        "Change requests and improvements of a service: record one, have the Service Owner "
        "approve or reject it, record it as implemented. Each step is one commit."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(change_app, name="change")

ChangeArgument = Annotated[str, typer.Argument(help="The change request's id.")]
ApprovedByOption = Annotated[
    str,
    typer.Option(
        "--approved-by", help="Person id of who decides (organisation.yaml): the Service Owner."
    ),
]


@change_app.command(name="new")
def change_new(  # noqa: PLR0917 - typer passes options positionally
    service: ServiceArgument,
    title: Annotated[str, typer.Option(help="The change asked for, in a line.")],
    requested_by: Annotated[
        str, typer.Option("--requested-by", help="Person id of who asks (organisation.yaml).")
    ],
    ident: Annotated[
        str | None,
        typer.Option("--id", help="The request's id (default: made from the title)."),
    ] = None,
    kind: Annotated[
        ChangeKind,
        typer.Option(help="change-request, or improvement (proposed by the Service Manager)."),
    ] = ChangeKind.CHANGE_REQUEST,
    reason: Annotated[
        ChangeReason | None,
        typer.Option(help="Why: the business context, feedback, a policy or the tools changed."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="What changes, in more detail.")] = None,
    impact_strategy: Annotated[
        str | None, typer.Option("--impact-strategy", help="What changes in the strategy.")
    ] = None,
    impact_catalogue: Annotated[
        str | None,
        typer.Option("--impact-catalogue", help="What changes in the catalogue (the service)."),
    ] = None,
    impact_handbook: Annotated[
        str | None, typer.Option("--impact-handbook", help="What changes in the handbook.")
    ] = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Record a proposed change request or improvement of a service, as one commit.

    Exit 1 when refused, 2 for an unknown service or person or a taken id, 3 when the
    repository is not in a state to commit, 4 when git or a hook refused the commit.
    """
    from pmoctl import api

    impact = {
        name: text
        for name, text in (
            ("strategy", impact_strategy),
            ("catalogue", impact_catalogue),
            ("handbook", impact_handbook),
        )
        if text is not None
    }
    return recorded(
        lambda: api.request_change(
            catalogue or Path.cwd(), service, title=title, requested_by=requested_by,
            ident=ident, kind=kind.value, reason=reason.value if reason else None,
            description=description, impact=impact, dry_run=dry_run,
            allow_detached=allow_detached,
        ),
        dry_run=dry_run,
    )  # fmt: skip


@change_app.command(name="approve")
def change_approve(  # noqa: PLR0917 - typer passes options positionally
    service: ServiceArgument,
    change: ChangeArgument,
    approved_by: ApprovedByOption,
    note: Annotated[str | None, typer.Option(help="The decision, in a few words.")] = None,
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """The Service Owner approves a proposed change request, as one commit."""
    from pmoctl import api

    return recorded(
        lambda: api.approve_change(
            catalogue or Path.cwd(), service, change, approved_by=approved_by, note=note,
            dry_run=dry_run, allow_detached=allow_detached, key=key,
        ),
        dry_run=dry_run,
    )  # fmt: skip


@change_app.command(name="reject")
def change_reject(  # noqa: PLR0917 - typer passes options positionally
    service: ServiceArgument,
    change: ChangeArgument,
    approved_by: ApprovedByOption,
    note: Annotated[str, typer.Option(help="Why it is rejected, for the requester.")],
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """The Service Owner rejects a proposed change request, with the reason, as one commit."""
    from pmoctl import api

    return recorded(
        lambda: api.reject_change(
            catalogue or Path.cwd(), service, change, approved_by=approved_by, note=note,
            dry_run=dry_run, allow_detached=allow_detached, key=key,
        ),
        dry_run=dry_run,
    )  # fmt: skip


@change_app.command(name="implement")
def change_implement(  # noqa: PLR0917 - typer passes options positionally
    service: ServiceArgument,
    change: ChangeArgument,
    approved_by: Annotated[
        str,
        typer.Option(
            "--approved-by",
            help="Person id of who records it as made: the Service Owner or a Service Manager.",
        ),
    ],
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Record an approved change request as made in the catalogue, as one commit.

    Commit it in the pull request that makes the change: `pmoctl check` accepts an edit of
    a running service's definition when the pull request marks an approved request
    implemented.
    """
    from pmoctl import api

    return recorded(
        lambda: api.implement_change(
            catalogue or Path.cwd(), service, change, approved_by=approved_by,
            dry_run=dry_run, allow_detached=allow_detached, key=key,
        ),
        dry_run=dry_run,
    )  # fmt: skip

"""Rules that `pmoctl check` applies to a pull request: how the catalogue changed since its base.

They have no ``check`` of their own (``pmoctl validate`` never reports them): the findings
come from :mod:`pmoctl.lifecycle.check`, which compares the merge-base with HEAD and reads the
commits in between. Their severity can be changed in pmoctl.yaml, but only the base
branch's pmoctl.yaml counts, and they cannot be waived inline: a pull request must not be
able to switch off the checks that judge it.
"""

from __future__ import annotations

from pmoctl.catalogue.vocabulary import Stage
from pmoctl.findings import Severity
from pmoctl.rules import Rule

RULES = [
    Rule(
        "CHECK-STAGE-EDIT",
        Severity.ERROR,
        "A service's stage was changed without a lifecycle move",
        "Every stage change is one commit made by `pmoctl transition`, which checks the move, "
        "records it under `lifecycle.moves` and names the approver in the commit's trailers. "
        "Editing `stage:` by hand (or changing it in a merge) skips all of that. Undo the edit "
        "and run `pmoctl transition SERVICE STAGE --approved-by PERSON`.",
    ),
    Rule(
        "CHECK-SKIPPED-STAGE",
        Severity.ERROR,
        "A move skips a stage or is not an allowed move",
        f"Services move one step at a time along the lifecycle ({', '.join(Stage)}; "
        "pilot may go back to design; a service still "
        "being set up may be abandoned to closing; a proposal may be rejected; a closed service "
        "or a rejected proposal may be proposed again). "
        "`pmoctl explain CHECK-SKIPPED-STAGE` and the README's diagram show every allowed "
        "move. Make the intermediate moves, each as its own commit.",
    ),
    Rule(
        "CHECK-APPROVER",
        Severity.ERROR,
        "A move was approved by someone who may not approve it",
        "Deciding to set a service up or to reject a proposal (and proposing a closed or "
        "rejected one again) is approved by a PMO Director; every other move by the service's "
        "Service Owner. The approver must be in "
        "organisation.yaml, with that role or ownership, at the commit that made the move.",
    ),
    Rule(
        "CHECK-EVIDENCE",
        Severity.ERROR,
        "A move lacks the evidence it needs",
        "Some moves must carry evidence in their record: a note for the decision to set up, "
        "a reason for a rejection, a readiness assessment (governance, resources, training, "
        "communication) and a roll-out choice for the move into transition, a closure reason "
        "for closing, an artefact review for closed. A move a pull request adds is judged in "
        "the current form: a one-text readiness or `success_criteria_met` is the earlier form, "
        "valid in records made before but not in a new one. The service must also show what "
        "the move rests on, as the commit left it: success criteria agreed with customers "
        "before the pilot, and each criterion met in `testing.results` (or waived by the "
        "Service Owner, with a note) at sign-off.",
    ),
    Rule(
        "CHECK-CAPACITY",
        Severity.ERROR,
        "A set-up decision names a service it closes that is not closing",
        "The decision to set a service up may free the capacity it needs by closing another "
        "service (`closes` on the move, `pmoctl transition --closes SERVICE`). That service's "
        "capacity counts as handed over only once it is closing, so the same pull request "
        "moves it to closing (its Service Owner approves), or it is closing already. "
        "Whether the set-up fits the PMOs' capacity at all is CAPACITY-FTE, which `check` "
        "runs on the whole catalogue at the head of the pull request.",
    ),
    Rule(
        "CHECK-TRAILERS",
        Severity.ERROR,
        "A move's commit lacks its trailers, or they disagree with the file",
        "A commit made by `pmoctl transition` ends with `Service-Transition: ID FROM -> TO`, "
        "`Approved-by:` and `Approver-Id:` trailers that match the move it records. A squashed "
        "or rewritten commit loses them, several moves in one commit hide the steps, and a "
        "move's commit that also changes other files mixes the move with edits nobody "
        "approved. "
        "Merge the pull request with a merge commit or a rebase (not a squash), or redo the "
        "moves with `pmoctl transition`.",
    ),
    Rule(
        "CHECK-HISTORY",
        Severity.ERROR,
        "Recorded lifecycle moves were changed or removed",
        "`lifecycle.moves` is the service's history: moves are only ever appended. A pull "
        "request that edits or removes an earlier move rewrites who approved what.",
    ),
    Rule(
        "CHECK-CHANGE",
        Severity.ERROR,
        "A running service was changed without an approved change request",
        "Once a service runs, its definition (everything in its file but the records that "
        "running it writes: KPI readings, risks, issues, change requests, reviews, roles and "
        "the lifecycle; docs/lifecycle.md lists them) changes only by an approved change "
        "request or improvement. A pull request that changes the definition of a service "
        "that was running at its base must mark at least one approved change request of that "
        "service implemented (`pmoctl change implement`); those requests cover every "
        "definition edit of the service in the pull request. Each decision the pull request "
        "records is judged at the commit that records it: an approval or rejection names the "
        "person who was the Service Owner before that commit, with its date (and a "
        "rejection its reason); an implementation follows an approval made in an earlier "
        "commit and names the Service Owner or a Service Manager. A decision already "
        "recorded on the base branch is not changed or removed.",
    ),
    Rule(
        "CHECK-NEW-STAGE",
        Severity.ERROR,
        "A new service does not start as proposed",
        "A service enters the catalogue as `proposed` with no moves; every later stage is "
        "reached by `pmoctl transition`. When a catalogue is first imported, switch this rule "
        "off in the base branch's pmoctl.yaml for that one pull request.",
    ),
    Rule(
        "CHECK-DELETED",
        Severity.ERROR,
        "A service file was deleted",
        "Services are closed, not deleted: move it to `closing` and then `closed`, so that its "
        "history and its reviewed artefacts stay in the catalogue in case it is reintroduced.",
    ),
    Rule(
        "CHECK-RENAMED",
        Severity.ERROR,
        "A service's id was changed",
        "Ids are how other services, procedures, KPIs and the history refer to a service. "
        "Keep the id (the name can change freely); to replace a service, propose a new one "
        "that `supersedes` the old one and close the old one.",
    ),
    Rule(
        "CHECK-SIGNATURE",
        Severity.ERROR,
        "A decision's signature does not prove its approver agreed to it",
        "A signed record (a move's `signature`, written by `pmoctl approve`; an "
        "appointment's, a change request decision's, a KPI reading's or a review's, written "
        "with `--key` by the command that records it) is verified with `ssh-keygen -Y "
        "verify` over the decision's canonical statement, rebuilt from the record and from "
        "the service file as it was before the decision: the signature must be made by a key "
        "that organisation.yaml registers for the person the record names as approver "
        "(`approved_by`, `decided_by`, `implemented_by`, `reported_by`), valid on the "
        "decision's date (and, on a pull request, still valid today). A forged approver "
        "(signed with someone else's key), a record changed after signing, and a signature "
        "copied from another service, decision or version of the file are all refused. Make "
        "the decision again, signed; see docs/signing.md.",
    ),
    Rule(
        "CHECK-UNSIGNED",
        Severity.ERROR,
        "A decision that must be signed carries no signature",
        "The base branch's pmoctl.yaml asks for signed approvals (`approvals: signed`, or "
        "the kind of decision listed under `approvals: {signed: [...]}`), and the record has "
        "no signature. Have the approver make a move with `pmoctl approve` (or sign it with "
        "`pmoctl approve --sign-only` for `pmoctl transition --signature FILE`), and record "
        "any other decision with `--key` (`pmoctl appoint --key KEY`, ...).",
    ),
    Rule(
        "CHECK-APPOINTMENT",
        Severity.ERROR,
        "A service's roles were changed without an appointment, or by the wrong approver",
        "The Service Owner and the Service Managers are appointed by a PMO Director (a "
        "manager with the agreement of the PMO Manager of that PMO), operatives by the "
        "Service Owner or a Service Manager. `pmoctl appoint` changes `roles:` and appends the "
        "appointment to `roles.appointments` in one commit. A pull request that changes the "
        "owner, a manager or an operative must append the matching record (an appointment, "
        "or one that ends an appointment: `replaces` or `removed: true`), approved by "
        "someone who held the deciding role at that commit (organisation.yaml and the "
        "service's roles as they were then); recorded appointments are only ever appended. "
        "A service added by the pull request is judged by its records only.",
    ),
]

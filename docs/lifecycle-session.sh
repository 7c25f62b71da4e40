#!/bin/bash
# The session in docs/lifecycle.md: a fresh repository made from examples/catalogue, then one
# service from proposal to closure, then the README's signed approvals (with throwaway keys).
# Run it from anywhere: bash docs/lifecycle-session.sh
set -u
export NO_COLOR=1 COLUMNS=100
# each command as typed: a path in $HOME shown as ~/..., as the shell would have expanded it
run() { echo "\$ $(python3 -c 'import os,shlex,sys;h=os.environ["HOME"]+"/";print(" ".join("~/"+shlex.quote(a[len(h):]) if a.startswith(h) else shlex.quote(a) for a in sys.argv[1:]))' "$@")"; "$@" 2>&1; echo "[exit $?]"; echo; }
# the day of the story: for git's commit dates, and for pmoctl's checks (PMOCTL_TODAY)
at() { export GIT_AUTHOR_DATE="$1T10:00:00+00:00" GIT_COMMITTER_DATE="$1T10:00:00+00:00" PMOCTL_TODAY="$1"; }
work="$(mktemp -d)/harbourside"
cp -r "$(dirname "$(readlink -f "$0")")/../examples/catalogue" "$work" && cd "$work"
git init -q -b main
git config user.name "Tom Okafor"; git config user.email "tom.okafor@harbourside-water.example"
at 2026-01-05; git add -A && git commit -qm "Harbourside Water catalogue"
at 2026-01-12
run pmoctl status --stage proposed --stage design
run pmoctl transition dependency-mapping --to design --approved-by helen-achebe --note "Agreed at the Q1 prioritisation round: fits predictable delivery; 0.3 FTE from the corporate PMO."
run pmoctl appoint dependency-mapping --owner marcus-lindqvist --approved-by helen-achebe --note "Owns the portfolio view of the capital programme."
run pmoctl appoint dependency-mapping --manager tom-okafor --approved-by helen-achebe
run pmoctl appoint dependency-mapping --manager tom-okafor --approved-by helen-achebe --agreed-with marcus-lindqvist
at 2026-01-14
run pmoctl transition dependency-mapping --to design --approved-by helen-achebe --note "Agreed at the Q1 prioritisation round: fits predictable delivery; 0.3 FTE from the corporate PMO." --date 2026-01-14 --dry-run
run pmoctl transition dependency-mapping --to design --approved-by helen-achebe --note "Agreed at the Q1 prioritisation round: fits predictable delivery; 0.3 FTE from the corporate PMO." --date 2026-01-14
run pmoctl transition dependency-mapping --to pilot --approved-by helen-achebe
python - <<'PY'
p='services/dependency-mapping.yaml'
s=open(p).read()
s=s.replace("\nlifecycle:", """
processes:
  - id: maintain-dependency-map
    name: Maintain the dependency map
    suppliers: [Project managers, Programme office]
    inputs:
      - name: Declared dependencies
        trigger: true
        quality: [Named owner on both sides, Date needed]
    steps:
      - Collect new and changed dependencies each fortnight
      - Confirm each one with both project managers
      - Flag dependencies at risk to the programme board
    outputs:
      - name: Dependency map
        quality: [Every active project covered]
    customers: [Programme board, Project managers]

testing:
  success_criteria:
    - id: teams-plan-with-map
      criterion: Two project teams plan with the map for a month
      agreed_with: [capital-delivery]
    - id: board-accepts-format
      criterion: The programme board accepts the map as its view of dependencies
      agreed_with: [capital-delivery]
  participants:
    customers: [capital-delivery]
    operatives: [tom-okafor]

lifecycle:""")
open(p,'w').write(s)
p='procedures/map-dependencies.yaml'
open(p,'w').write("""# yaml-language-server: $schema=../schemas/procedure.schema.json
format: 1
kind: procedure
id: map-dependencies
name: Map cross-project dependencies
purpose: How the corporate PMO keeps the dependency map of the capital programme current.
category: delivery
services: [dependency-mapping]
activities:
  - id: collect-dependencies
    name: Collect declared dependencies
    raci:
      tom-okafor: AR
      project-manager: C
    tools: [Dependency register]
  - id: flag-at-risk
    name: Flag dependencies at risk
    raci:
      tom-okafor: R
      marcus-lindqvist: A
      project-manager: I
    tools: [Dependency register]
""")
PY
at 2026-02-20; echo '$ git add -A && git commit -m "dependency-mapping: SIPOC and procedure agreed with stakeholders"'; git add -A; git commit -qm "dependency-mapping: SIPOC and procedure agreed with stakeholders"; echo
at 2026-02-23; run pmoctl transition dependency-mapping --to pilot --approved-by marcus-lindqvist --date 2026-02-23
python - <<'PY'
p='services/dependency-mapping.yaml'
s=open(p).read()
s=s.replace("\nlifecycle:", """
kpis:
  - id: map-current
    name: Map up to date
    measure: Share of active projects whose dependencies were confirmed in the last 30 days.
    unit: "%"
    target: 90
    direction: higher-is-better
    frequency: monthly
    thresholds: {green: 90, amber: 75}
    reported_by: tom-okafor

lifecycle:""")
s=s.replace("""    operatives: [tom-okafor]
""", """    operatives: [tom-okafor]
  results:
    - {criterion: teams-plan-with-map, met: true, date: 2026-04-03}
    - criterion: board-accepts-format
      met: false
      date: 2026-04-08
      note: The board wants a one-page summary first.
""")
open(p,'w').write(s)
PY
at 2026-04-10; echo '$ git commit -am "dependency-mapping: KPI agreed and results recorded in the pilot"'; git commit -qam "dependency-mapping: KPI agreed and results recorded in the pilot"; echo
at 2026-04-27
readiness=(--readiness "governance=The programme board reviews the map each month." --readiness "resources=Tom Okafor keeps the map; 0.3 FTE agreed." --readiness "training=Both pilot teams shown how to declare a dependency." --readiness "communication=Programme directors told at the April board.")
run pmoctl transition dependency-mapping --to transition --approved-by marcus-lindqvist --date 2026-04-27 --rollout phased "${readiness[@]}"
at 2026-04-27; run pmoctl transition dependency-mapping --to transition --approved-by marcus-lindqvist --date 2026-04-27 --rollout phased "${readiness[@]}" --waive board-accepts-format --note "The board accepts the map once it has a one-page summary, which comes with the roll-out."
at 2026-06-01; run pmoctl transition dependency-mapping --to running --approved-by marcus-lindqvist --date 2026-06-01
at 2026-09-28
python - <<'PY'
p='services/pmo-tooling-admin.yaml'
s=open(p).read()
s=s.replace("\nlifecycle:", "\nsupersedes: [dependency-mapping]\n\nlifecycle:", 1)
open(p,'w').write(s)
PY
echo '$ git commit -am "pmo-tooling-admin: the PPM platform maps dependencies"'; git commit -qam "pmo-tooling-admin: the PPM platform maps dependencies"; echo
at 2026-10-05; run pmoctl transition dependency-mapping --to closing --date 2026-10-05 --approved-by marcus-lindqvist --reason superseded
at 2026-10-05; run pmoctl transition dependency-mapping --to closing --date 2026-10-05 --approved-by marcus-lindqvist --reason superseded --superseded-by pmo-tooling-admin --note "The new PPM platform maps dependencies itself." --communication "Programme teams told at the September PM forum; the dependency view of the platform replaces the map from October."
at 2026-11-02; run pmoctl transition dependency-mapping --to closed --date 2026-11-02 --approved-by marcus-lindqvist --kept "Dependency register template=PMO SharePoint, Planning/Templates" --archived "Fortnightly review checklist=Records centre, PMO/2026/044" --discarded "Spreadsheet map"
run git log --format='%h %s' -8
run git log -1 --format=%B
run git log -1 --skip=1 --format=%B
run pmoctl history dependency-mapping
run pmoctl status --owner marcus-lindqvist

# Signed approvals (README): throwaway SSH keys made here. HOME is a fresh folder next to the
# repository, so ~/.ssh below is that folder's and the real one is never touched.
at 2026-11-09
export HOME="$(dirname "$work")/home"; mkdir -p "$HOME/.ssh"
ssh-keygen -q -t ed25519 -N "" -C helen-achebe -f "$HOME/.ssh/id_ed25519"
ssh-keygen -q -t ed25519 -N "" -C marcus-lindqvist -f "$HOME/.ssh/marcus_ed25519"
python - "$HOME/.ssh" <<'PY'
import sys
keys = sys.argv[1]
p = 'organisation.yaml'
s = open(p).read()
for person, key in (("helen-achebe", "id_ed25519"), ("marcus-lindqvist", "marcus_ed25519")):
    public = open(f"{keys}/{key}.pub").read().strip()
    start = s.index(f"  - id: {person}\n")
    end = s.index("\n\n", start)
    entry = f"\n    keys:\n      - key: {public}\n        since: 2026-11-09\n        approved_by: helen-achebe"
    s = s[:end] + entry + s[end:]
open(p, 'w').write(s)
open('pmoctl.yaml', 'a').write("\napprovals: signed\n")
PY
echo '$ git commit -am "Signing keys of Helen Achebe and Marcus Lindqvist; approvals signed"'; git commit -qam "Signing keys of Helen Achebe and Marcus Lindqvist; approvals signed"; echo
echo '$ git switch -c close-gate-reviews'; git switch -q -c close-gate-reviews; echo
run pmoctl approve gate-reviews --to closing --approved-by helen-achebe --key ~/.ssh/id_ed25519 --reason objective-achieved --note "Gate decisions now run in the PPM platform." --communication "Project managers told at the PM forum."
run pmoctl check --base main
run pmoctl appoint portfolio-risk-review --owner priya-raman --approved-by helen-achebe --key ~/.ssh/id_ed25519 --note "Priya Raman takes the risk review over from Marcus Lindqvist."
run pmoctl verify
# the same move with a forged approver: by approve itself, then written by hand
echo '$ git switch -c forged-approval main'; git switch -q -c forged-approval main; echo
run pmoctl approve gate-reviews --to closing --approved-by helen-achebe --key ~/.ssh/marcus_ed25519 --reason objective-achieved --note "Gate decisions now run in the PPM platform." --communication "Project managers told at the PM forum."
python - <<'PY'
p = 'services/gate-reviews.yaml'
s = open(p).read().replace("  stage: running\n", "  stage: closing\n", 1).rstrip("\n")
s += """
    - from: running
      to: closing
      date: 2026-11-09
      approved_by: helen-achebe
      reason: objective-achieved
      note: Gate decisions now run in the PPM platform.
      communication: Project managers told at the PM forum.
"""
open(p, 'w').write(s)
PY
run git commit -qam "transition(gate-reviews): running -> closing" --trailer "Service-Transition: gate-reviews running -> closing" --trailer "Approved-by: Helen Achebe <helen.achebe@harbourside-water.example>" --trailer "Approver-Id: helen-achebe" --trailer "Reason: objective-achieved"
run pmoctl check --base main

"""pmoctl.yaml rule settings and inline waivers, applied to real findings of the example."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmoctl.findings import Finding, Severity
from pmoctl.rules.validate import validate_catalogue

SERVICE = "services/portfolio-reporting.yaml"
MANAGER = "    - {person: tom-okafor, pmo: corporate-pmo}"
#: a PMO Administrator as Service Manager: a ROLE-ELIGIBLE warning at line 28
UNUSUAL_MANAGER = "    - {person: grace-mensah, pmo: corporate-pmo}"


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _configure(root: Path, rules: str) -> None:
    """The test's rule settings in place of the example's own."""
    path = root / "pmoctl.yaml"
    text = path.read_text(encoding="utf-8").split("\nrules:\n", 1)[0]
    path.write_text(text.rstrip("\n") + "\n\nrules:\n" + rules, encoding="utf-8")


#: the fixtures change a role by hand, which the service's appointment history (and the
#: change requests its former manager decided) then report; these tests are about settings
_HISTORY_RULES = {"APPOINTMENTS", "CHANGE-REQUESTS"}


def _findings(root: Path) -> list[Finding]:
    found = validate_catalogue(root, use_cache=False).findings
    return [finding for finding in found if finding.rule not in _HISTORY_RULES]


def _summary(findings: list[Finding]) -> list[tuple[str, int, str, str]]:
    return [(f.path, f.line, f.severity.value, f.rule) for f in findings]


@pytest.fixture
def unusual(example_catalogue: Path) -> Path:
    _edit(example_catalogue, SERVICE, MANAGER, UNUSUAL_MANAGER)
    # the new manager reports the KPIs too (else KPI-REPORTER)
    path = example_catalogue / SERVICE
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("reported_by: tom-okafor", "reported_by: grace-mensah"), encoding="utf-8"
    )
    return example_catalogue


def test_the_unusual_manager_is_a_warning_by_default(unusual: Path) -> None:
    assert _summary(_findings(unusual)) == [(SERVICE, 28, "warning", "ROLE-ELIGIBLE")]


@pytest.mark.parametrize("setting", ["error", "{severity: error}"])
def test_config_raises_the_severity(unusual: Path, setting: str) -> None:
    _configure(unusual, f"  ROLE-ELIGIBLE: {setting}\n")
    assert _summary(_findings(unusual)) == [(SERVICE, 28, "error", "ROLE-ELIGIBLE")]


def test_config_lowers_an_error_to_a_warning(example_catalogue: Path) -> None:
    _edit(example_catalogue, SERVICE, "  owner: marcus-lindqvist", "  owner: marcus-lindqvst")
    _configure(example_catalogue, "  REF-PERSON: warning\n")
    assert _summary(_findings(example_catalogue)) == [(SERVICE, 26, "warning", "REF-PERSON")]


@pytest.mark.parametrize("setting", ["'off'", "{severity: 'off'}"])
def test_config_switches_a_rule_off(unusual: Path, setting: str) -> None:
    _configure(unusual, f"  ROLE-ELIGIBLE: {setting}\n")
    assert _findings(unusual) == []


def test_config_switches_off_only_the_named_rule(unusual: Path) -> None:
    _edit(unusual, SERVICE, "  owner: marcus-lindqvist", "  owner: marcus-lindqvst")
    _configure(unusual, "  ROLE-ELIGIBLE: 'off'\n")
    assert [f.rule for f in _findings(unusual)] == ["REF-PERSON"]


def test_unknown_rule_in_config_is_reported_at_its_key(example_catalogue: Path) -> None:
    _configure(example_catalogue, "  ROLE-ELIGIBL: warning\n")
    (finding,) = _findings(example_catalogue)
    lines = (example_catalogue / "pmoctl.yaml").read_text(encoding="utf-8").splitlines()
    assert (finding.path, finding.rule, finding.severity) == (
        "pmoctl.yaml",
        "CONFIG-RULE",
        Severity.WARNING,
    )
    assert lines[finding.line - 1].startswith("  ROLE-ELIGIBL:") and finding.column == 3
    assert "ROLE-ELIGIBLE" in finding.hint


@pytest.mark.parametrize(
    "waiver",
    [
        "{line}  # pmoctl: waive ROLE-ELIGIBLE -- Grace covers while Tom is on leave",
        "    # pmoctl: waive ROLE-ELIGIBLE: Grace covers while Tom is on leave\n{line}",
    ],
    ids=["same-line", "line-above"],
)
def test_inline_waiver_with_a_reason_removes_the_finding(unusual: Path, waiver: str) -> None:
    _edit(unusual, SERVICE, UNUSUAL_MANAGER, waiver.format(line=UNUSUAL_MANAGER))
    assert _findings(unusual) == []


def test_waiver_without_a_reason_is_reported_and_does_not_waive(unusual: Path) -> None:
    _edit(unusual, SERVICE, UNUSUAL_MANAGER, UNUSUAL_MANAGER + "  # pmoctl: waive ROLE-ELIGIBLE")
    findings = _findings(unusual)
    assert _summary(findings) == [
        (SERVICE, 28, "warning", "ROLE-ELIGIBLE"),
        (SERVICE, 28, "error", "WAIVER-REASON"),
    ]
    assert findings[1].column == len(UNUSUAL_MANAGER) + 3


def test_waiver_for_another_rule_does_not_waive_and_is_unused(unusual: Path) -> None:
    _edit(unusual, SERVICE, UNUSUAL_MANAGER, UNUSUAL_MANAGER + "  # pmoctl: waive REF-PERSON -- no")
    assert _summary(_findings(unusual)) == [
        (SERVICE, 28, "warning", "ROLE-ELIGIBLE"),
        (SERVICE, 28, "warning", "WAIVER-UNUSED"),
    ]


def test_waiver_two_lines_above_is_unused(unusual: Path) -> None:
    _edit(
        unusual,
        SERVICE,
        "  managers:\n" + UNUSUAL_MANAGER,
        "  # pmoctl: waive ROLE-ELIGIBLE -- too far away\n  managers:\n" + UNUSUAL_MANAGER,
    )
    assert _summary(_findings(unusual)) == [
        (SERVICE, 27, "warning", "WAIVER-UNUSED"),
        (SERVICE, 29, "warning", "ROLE-ELIGIBLE"),
    ]


def test_a_schema_finding_can_be_waived_too(example_catalogue: Path) -> None:
    _edit(
        example_catalogue,
        SERVICE,
        "request: Included",
        "# pmoctl: waive SCHEMA-UNKNOWN-KEY -- read by our own report script\n"
        "x-report: yes\nrequest: Included",
    )
    assert _findings(example_catalogue) == []


def test_waivers_apply_after_severity_changes(unusual: Path) -> None:
    _configure(unusual, "  ROLE-ELIGIBLE: error\n")
    _edit(
        unusual, SERVICE, UNUSUAL_MANAGER, UNUSUAL_MANAGER + "  # pmoctl: waive ROLE-ELIGIBLE -- ok"
    )
    assert _findings(unusual) == []


def test_overdue_readings_can_be_kept_warnings(
    example_catalogue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # three months without a reading is an error, unless the catalogue says otherwise
    monkeypatch.setenv("PMOCTL_TODAY", "2027-02-01")
    _configure(example_catalogue, "  ROLE-ELIGIBLE: warning\n")  # the defaults (the example
    # itself keeps overdue readings as warnings: it is a snapshot)
    due = [f for f in _findings(example_catalogue) if f.rule == "KPI-READING-DUE"]
    assert due and Severity.ERROR in {f.severity for f in due}
    _configure(example_catalogue, "  KPI-READING-DUE: warning\n")
    lowered = [f for f in _findings(example_catalogue) if f.rule == "KPI-READING-DUE"]
    assert [f.line for f in lowered] == [f.line for f in due]
    assert {f.severity for f in lowered} == {Severity.WARNING}

"""Change requests and improvements: the record, `pmoctl change`, CHANGE-REQUESTS and
CHECK-CHANGE, on real files and real git repositories."""

from __future__ import annotations

from conftest import REPO_ROOT
from docblocks import check_block
from pmoctl.catalogue import decisions

LIFECYCLE_DOC = REPO_ROOT / "docs" / "lifecycle.md"


def test_doc_lists_the_running_records_from_their_declaration() -> None:
    check_block(LIFECYCLE_DOC, "running-records", "\n" + decisions.running_records_list())

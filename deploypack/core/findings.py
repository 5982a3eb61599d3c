"""The verdicts deploypack reaches: findings with a stable code, severity and place."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """Lower is more important; used to order reports and annotations."""
        return {"error": 0, "warning": 1, "note": 2}[self.value]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem (or remark) about the project or what was built from it.

    `file` is relative to the project root and names the file a person must edit;
    `artifact` names the distribution (file name) the finding was seen in, and `member`
    the path inside it, when the finding is about archive contents.
    """

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    artifact: str | None = None
    member: str | None = None
    hint: str | None = None

    def with_severity(self, severity: Severity) -> Finding:
        return dataclasses.replace(self, severity=severity)

    def sort_key(self) -> tuple[int, str, str, int, int, str]:
        return (
            self.severity.rank,
            self.file or "~",
            self.artifact or "",
            self.line or 0,
            self.column or 0,
            self.code,
        )


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts

"""Value parsers for source cells: dates, numbers, names, enumerations and tooth notation."""

from __future__ import annotations


class ParseError(ValueError):
    """A cell could not be parsed; `reason` is a code from shared.quality.findings.REASONS.

    The message never contains the cell's value, so it is safe to log.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

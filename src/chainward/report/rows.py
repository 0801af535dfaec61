"""Findings as table rows, the same way in every command that lists mixed findings."""

from __future__ import annotations

from collections.abc import Iterable

from chainward.records import Finding

FINDING_COLUMNS = ("severity", "subject", "rule", "message", "where")


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def finding_rows(findings: Iterable[Finding], *, limit: int = 160) -> list[tuple[str, ...]]:
    """Worst first; columns as FINDING_COLUMNS."""
    ordered = sorted(findings, key=lambda f: (-int(f.severity), f.subject, f.rule))
    return [
        (
            f.severity.label,
            f.subject or "-",
            f.rule,
            shorten(f.message, limit) + (f" (fix: {f.fix})" if f.fix else ""),
            str(f.location) if f.location else "-",
        )
        for f in ordered
    ]


__all__ = ["FINDING_COLUMNS", "finding_rows", "shorten"]

"""Markdown reporter: the same sections as the table reporter, as GitHub-flavoured tables."""

from __future__ import annotations

from chainward.report.interface import Report, Reporter


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


class MarkdownReporter(Reporter):
    def render(self, report: Report) -> str:
        lines = [f"# chainward {report.kind} report", ""]
        for section in report.sections:
            lines.append(f"## {section.title}")
            lines.append("")
            if not section.rows:
                lines.append(f"_{section.empty}_")
            else:
                lines.append("| " + " | ".join(_cell(c) for c in section.columns) + " |")
                lines.append("|" + "---|" * len(section.columns))
                for row in section.rows:
                    lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
            for note in section.notes:
                lines.append("")
                lines.append(f"> {note}")
            lines.append("")
        if report.summary_lines:
            lines.append("## Summary")
            lines.append("")
            lines.extend(f"- {line}" for line in report.summary_lines)
            lines.append("")
        return "\n".join(lines)

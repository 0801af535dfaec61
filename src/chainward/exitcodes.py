"""Exit codes shared by every command (see DESIGN.md, "Contract")."""

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK"]

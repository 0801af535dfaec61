"""Exceptions of the integrity checks.

``IntegrityError`` is for inputs that cannot be checked at all (exit 2).
``VerificationError`` means the check ran and the model or the signature does not
match: it carries every problem found, so a caller can name each file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chainward.errors import ChainwardError, InputError


class IntegrityError(InputError):
    """A model, key, certificate, signature or lock file that cannot be used."""


class UnsafePathError(IntegrityError):
    """A symlink escaping the model folder, a special file, or a traversing name."""


@dataclass(frozen=True)
class Problem:
    """One reason a verification failed.

    ``rule`` is stable (``changed``, ``missing``, ``extra``, ``wrong-key``,
    ``bad-signature``, ``identity-mismatch``, ``certificate-expired``, ...);
    ``subject`` names the file (or the signer) it is about.
    """

    rule: str
    message: str
    subject: str = ""


class VerificationError(ChainwardError):
    """The model does not match its signature or lock; ``problems`` names each mismatch."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("a VerificationError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0].message
        more = len(self.problems) - 1
        super().__init__(first if not more else f"{first} (and {more} more problem(s))")


__all__ = ["IntegrityError", "Problem", "UnsafePathError", "VerificationError"]

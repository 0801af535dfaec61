"""A byte string literal the pickle machine kept only the head of.

A module of its own: the pickle machine may be compiled (mypyc, see ``hatch_build.py``),
and a compiled class cannot subclass ``bytes``.
"""

from __future__ import annotations


class CutBytes(bytes):
    """The first bytes of a longer string literal (see :data:`KEPT_BYTES`).

    ``offset`` and ``size`` say where the whole string lies in the stream the machine
    read, so that a grader can read it again (a pickle nested in it) without the
    machine holding it in memory.
    """

    offset: int
    size: int


__all__ = ["CutBytes"]

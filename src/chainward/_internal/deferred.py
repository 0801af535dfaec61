"""Standard-library modules the command line imports but seldom uses, loaded on first use.

``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis`` and ``tokenize``)
only to write the docstring of a dataclass that has none, and ``pathlib`` imports
``ipaddress`` (through ``urllib.parse``) only to check bracketed URL hosts. Together
they are about a quarter of a one-file ``chainward model scan``. :func:`defer` puts a
placeholder in ``sys.modules`` that imports the real module the first time one of
its attributes is read, so whoever needs it still gets all of it.

Only the ``chainward`` command calls this, before it imports anything else: a
program that imports chainward as a library keeps its modules as they are.
"""

from __future__ import annotations

import sys
import types

from chainward._internal import import_module

DEFERRED = ("inspect", "ipaddress")


class _Placeholder(types.ModuleType):
    def __getattr__(self, attribute: str) -> object:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = import_module(name)
        # whoever already holds the placeholder sees the real module's names from now on
        self.__dict__.update(real.__dict__)
        return getattr(real, attribute)


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """Load each of ``names`` on first attribute access (no-op for modules already imported)."""
    for name in names:
        if name not in sys.modules:
            placeholder = _Placeholder(name)
            # the import statement reads __spec__ to ask whether a module is initialising
            placeholder.__spec__ = None
            sys.modules[name] = placeholder


__all__ = ["DEFERRED", "defer"]

"""Lazy public names for a package: ``from chainward.models import scan`` imports the
scanner only when ``scan`` is first used, so ``import chainward.models`` stays cheap on
the command line's hot paths."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from chainward._internal import import_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def lazy_exports(
    package: str, names: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` resolving ``names`` (public name -> module) on first use,
    and a ``__dir__`` listing ``public``."""

    def __getattr__(name: str) -> Any:
        module_name = names.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(module_name), name)

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__


__all__ = ["lazy_exports"]

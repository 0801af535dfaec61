"""Wheel build hook: compile the pickle machine with mypyc when it can be compiled.

Why: the model scanner's pickle machine runs every opcode of every pickle it reads
(a torch checkpoint's ``data.pkl``, a scikit-learn forest); compiled, it runs about
twice as fast, and its import costs under a millisecond more. The same sources run
as plain Python wherever compiling is not possible.

What: ``MODULES`` are type-checked and compiled by mypyc (the compiler mypy and black
ship with) in a temporary copy of ``src/``, and the extension modules are added to the
wheel next to their ``.py`` sources (Python imports an extension module before a
source file of the same name). An editable install, ``CHAINWARD_PURE_PYTHON=1``, or
any failure (no C compiler, no mypyc) gives the pure-Python wheel, with a warning.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# the hot loops only: compiling a module costs start-up (loading its extension), so
# modules whose time goes to import rather than to loops stay Python
MODULES = ("chainward/models/pickle/vm.py", "chainward/models/pickle/datawalk.py")
GROUP = "chainward.models.pickle._compiled"  # the shared runtime's module name

_MYPY_CONFIG = """\
[mypy]
ignore_missing_imports = True
warn_unused_ignores = False
"""

_SETUP = """\
import sys
from mypyc.build import mypycify
from setuptools import setup

modules = sys.argv[1:]
setup(
    name="chainward-compiled",
    ext_modules=mypycify(
        ["--config-file", "mypy.ini", *modules],
        opt_level="3",
        debug_level="0",
        group_name={group!r},
    ),
    script_args=["build_ext", "--inplace", "--quiet"],
)
"""


def compile_modules(src: Path, work: Path) -> dict[str, str]:
    """Compile ``MODULES`` of the package under ``src`` in ``work``.

    Returns {extension file: its path in the wheel}. Raises ``RuntimeError`` with
    the compiler's last lines when compiling fails.
    """
    shutil.copytree(src / "chainward", work / "chainward", ignore=_no_caches)
    (work / "mypy.ini").write_text(_MYPY_CONFIG)
    done = subprocess.run(
        [sys.executable, "-c", _SETUP.format(group=GROUP), *MODULES],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise RuntimeError(f"mypyc failed: {tail}")
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    built = {
        str(path): path.relative_to(work).as_posix()
        for path in (work / "chainward").rglob(f"*{suffix}")
    }
    expected = {module[: -len(".py")] + suffix for module in MODULES}
    missing = expected - set(built.values())
    if missing:
        raise RuntimeError(f"mypyc built no {sorted(missing)[0]}")
    return built


def _no_caches(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith((".so", ".pyd"))]


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc, type-arg, unused-ignore]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get("CHAINWARD_PURE_PYTHON"):
            self.app.display_info("chainward: CHAINWARD_PURE_PYTHON is set; pure-Python wheel")
            return
        self._work = tempfile.mkdtemp(prefix="chainward-mypyc-")
        try:
            built = compile_modules(Path(self.root) / "src", Path(self._work))
        except (RuntimeError, OSError) as exc:
            self.app.display_warning(
                f"chainward: pickle machine not compiled ({exc}); the wheel is pure Python "
                "(same results, about half the speed on large pickles)"
            )
            return
        build_data["force_include"].update(built)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work:
            shutil.rmtree(work, ignore_errors=True)

"""A user's own class called with literal data (an Enum member) is for review, not unsafe.

``pickle`` writes a member of ``class Stage(enum.Enum)`` as ``Stage('train')``
(``Enum.__reduce_ex__``): a call of a class outside every profile. PyTorch
Lightning stores such members in ``hyper_parameters``. The policy tells a class
from a function by its name only (it never imports what it scans), so everything
that looks the same but runs something must stay ``unsafe``: the standard
library's and known libraries' classes, dangerous class names re-exported by a
user module, lowercase functions, and any argument that is not literal data.
Payloads are inert (``true``, /nonexistent, loopback) and only ever parsed.
"""

from __future__ import annotations

import enum
import pickle
import sys
import types
from collections.abc import Iterator

import pytest

from chainward.models import scan_bytes
from chainward.records import Verdict


def glob(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def s(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def reduce2(module: str, name: str, args: bytes) -> bytes:
    """Protocol 2, as torch.save writes: GLOBAL + args tuple + REDUCE, in a dict."""
    return b"\x80\x02}(" + s("stage") + glob(module, name) + args + b"Ru."


def stack4(module: str, name: str, args: bytes) -> bytes:
    """Protocol 4: STACK_GLOBAL (dotted qualnames allowed) + args tuple + REDUCE."""
    return b"\x80\x04" + s(module) + s(name) + b"\x93" + args + b"R."


TRAIN = b"(" + s("train") + b"t"  # ('train',)


def verdict(data: bytes) -> tuple[Verdict, list[str]]:
    result = scan_bytes(data, "payload")
    return result.verdict, [f.rule for f in result.findings]


@pytest.fixture
def user_module() -> Iterator[types.ModuleType]:
    """A project module with the enums a training script defines (to pickle real members)."""
    module = types.ModuleType("myproj.config")

    class Stage(enum.Enum):
        TRAIN = "train"

    class Precision(enum.IntEnum):
        BF16 = 16

    class Kernel(enum.Enum):
        SMALL = (3, 3)

    class Mode(str, enum.Enum):
        FAST = "fast"

    class Aug(enum.Flag):
        FLIP = 1
        CROP = 2

    for cls in (Stage, Precision, Kernel, Mode, Aug):
        cls.__module__ = module.__name__
        cls.__qualname__ = cls.__name__
        setattr(module, cls.__name__, cls)
    sys.modules["myproj"] = types.ModuleType("myproj")
    sys.modules["myproj.config"] = module
    try:
        yield module
    finally:
        del sys.modules["myproj.config"], sys.modules["myproj"]


@pytest.mark.parametrize("protocol", [0, 1, 2, 4, 5])
def test_real_enum_members_are_review(user_module: types.ModuleType, protocol: int) -> None:
    m = user_module
    obj = {
        "stage": m.Stage.TRAIN,
        "precision": m.Precision.BF16,
        "kernel": m.Kernel.SMALL,
        "mode": m.Mode.FAST,
        "aug": m.Aug.FLIP | m.Aug.CROP,
        "lr": 0.1,
    }
    got, rules = verdict(pickle.dumps(obj, protocol=protocol))
    assert got is Verdict.SUSPICIOUS, rules
    assert set(rules) == {"pickle-unknown-class-call"}


def test_enum_in_main_script_is_review() -> None:
    got, rules = verdict(reduce2("__main__", "Stage", TRAIN))
    assert got is Verdict.SUSPICIOUS, rules
    got, rules = verdict(stack4("train_lib.enums", "Outer.Stage", TRAIN))
    assert got is Verdict.SUSPICIOUS, rules


UNSAFE = {
    # dangerous classes are classes too
    "subprocess.Popen": reduce2("subprocess", "Popen", TRAIN),
    "py2 name of subprocess": reduce2("commands", "Popen", TRAIN),
    "os._wrap_close": reduce2("os", "_wrap_close", TRAIN),
    "builtins class": reduce2("builtins", "Exception", TRAIN),
    "py2 builtins class": reduce2("__builtin__", "Warning", TRAIN),
    "ctypes.CDLL": reduce2("ctypes", "CDLL", b"(" + s("/nonexistent/x.so") + b"t"),
    # any standard-library class (gzip.GzipFile(path, 'wb') truncates a file)
    "stdlib writer": reduce2("gzip", "GzipFile", b"(" + s("/nonexistent/g") + s("wb") + b"t"),
    "stdlib lzma": stack4("lzma", "LZMAFile", b"(" + s("/nonexistent/l") + s("w") + b"t"),
    # known libraries: their classes are in a profile or not trusted
    "pandas.HDFStore": reduce2("pandas.io.pytables", "HDFStore", TRAIN),
    "numpy.DataSource": reduce2("numpy", "DataSource", TRAIN),
    "torch class outside the profile": reduce2("torch.utils.data", "DataLoader", TRAIN),
    "dask client": reduce2("distributed", "Client", b"(" + s("tcp://127.0.0.1:1") + b"t"),
    "GitPython re-export": reduce2("git.cmd", "Popen", TRAIN),
    # what every environment has next to the model: pip, setuptools
    "pip class": stack4("pip._internal.cli.main_parser", "ConfigOptionParser", TRAIN),
    "setuptools class": reduce2("setuptools.sandbox", "DirectorySandbox", TRAIN),
    "pkg_resources class": reduce2("pkg_resources", "Distribution", TRAIN),
    # a user module re-exporting a dangerous class under its own name
    "re-exported Popen": reduce2("myproj.config", "Popen", TRAIN),
    "re-exported CDLL": reduce2("myproj.config", "CDLL", TRAIN),
    "re-exported shell": reduce2("myproj.config", "InteractiveShell", TRAIN),
    "re-exported file handler": reduce2("myproj.config", "RotatingFileHandler", TRAIN),
    "re-exported pool": reduce2("myproj.config", "ThreadPool", TRAIN),
    "hop through a module attribute": stack4("myproj.config", "subprocess.Popen", TRAIN),
    "hop to a lowercase name": stack4("myproj.config", "Stage.mro", TRAIN),
    "dunder in the path": stack4("myproj.config", "Stage.__init__", TRAIN),
    # not a class by its name
    "lowercase function": reduce2("myproj.utils", "run_setup", TRAIN),
    "private function": reduce2("myproj.utils", "_run", TRAIN),
    # arguments that are not literal data
    "function argument": reduce2("myproj.config", "Stage", b"(" + glob("posix", "system") + b"t"),
    "class argument": reduce2("myproj.config", "Stage", b"(" + glob("myproj.config", "X") + b"t"),
    "call argument": reduce2(
        "myproj.config", "Stage", b"(" + glob("myproj.utils", "make") + TRAIN + b"Rt"
    ),
    # what the class call returns is then called: a computed callee
    "result called": b"\x80\x02"
    + glob("myproj.config", "Stage")
    + TRAIN
    + b"R"
    + b"("
    + s("true")
    + b"tR.",
    # a computed name
    "memo-computed name": b"\x80\x04"
    + s("myproj.config")
    + b"\x94"
    + glob("builtins", "str")
    + b"("
    + s("Stage")
    + b"tR\x93"
    + TRAIN
    + b"R.",
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_look_alikes_stay_unsafe(case: str) -> None:
    got, rules = verdict(UNSAFE[case])
    assert got is Verdict.UNSAFE, (case, rules)


def test_default_reconstruction_of_user_class_still_review() -> None:
    # NEWOBJ of a user class (a NamedTuple, a dataclass) was already review
    data = b"\x80\x02" + glob("myproj.config", "Size") + b"(K\x04K\x04t\x81."
    got, rules = verdict(data)
    assert got is Verdict.SUSPICIOUS, rules

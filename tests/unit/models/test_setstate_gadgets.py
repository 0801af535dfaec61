"""Classes whose own ``__new__`` or ``__setstate__`` does harm: pickle's default path
(NEWOBJ + BUILD, or ``copyreg._reconstructor`` + BUILD) calls nothing else, so each
is named by the denylist and the file is unsafe, not a review.

Each case cites the line that does the harm (site-packages of the versions in the
sample generator's venv). The pickles are assembled here and only scanned.
"""

from __future__ import annotations

import pickle

import pytest

from chainward.models import scan_bytes
from chainward.models.pickle.argparser import template_problem
from chainward.records import Verdict

# (module, class, NEWOBJ arguments, BUILD state or None, the harmful source line)
GADGETS = [
    (
        "fsspec.implementations.local",
        "LocalFileOpener",
        (),
        {"path": "/etc/hostname", "mode": "rb", "loc": 0, "autocommit": True, "compression": None},
        "fsspec/implementations/local.py: __setstate__ -> _open: "
        "self.f = open(self.path, mode=self.mode)",
    ),
    (
        "fsspec.caching",
        "MMapCache",
        (),
        {"location": "/tmp/cache.bin", "size": 4096, "blocksize": 4096, "blocks": set()},
        'fsspec/caching.py: __setstate__ -> _makefile: fd = open(self.location, "wb+")',
    ),
    (
        "fontTools.ttLib.sfnt",
        "SFNTReader",
        (),
        {"_filename": "/etc/hostname", "_filepos": 0},
        'fontTools/ttLib/sfnt.py: __setstate__: self.file = open(state.pop("_filename"), "rb")',
    ),
    (
        "matplotlib.dviread",
        "PsfontsMap",
        ("/etc/hostname",),
        None,
        "matplotlib/dviread.py: PsfontsMap.__new__: with open(filename, 'rb') as file:",
    ),
    (
        "matplotlib.dviread",
        "_LuatexKpsewhich",
        (),
        None,
        'matplotlib/dviread.py: __new__ -> _new_proc: subprocess.Popen(["luatex", ...])',
    ),
    (
        "joblib.externals.loky.backend.synchronize",
        "SemLock",
        (),
        (0, 1, 1, "/loky-1-x"),
        "joblib/externals/loky/backend/synchronize.py: __setstate__: "
        "self._semlock = _SemLock._rebuild(*state)",
    ),
    (
        "joblib.externals.loky.backend.synchronize",
        "Lock",
        (),
        (0, 1, 1, "/loky-1-x"),
        "the same SemLock.__setstate__, inherited",
    ),
    (
        "_multiprocessing",
        "SemLock",
        (1, 1, 1, "/mp-x", False),
        None,
        "Modules/_multiprocessing/semaphore.c: SemLock.__new__ calls sem_open(name, O_CREAT)",
    ),
    (
        "blosc2.remote_ctable",
        "RemoteCTable",
        ("http://127.0.0.1:9/table.b2z",),
        None,
        "blosc2/remote_ctable.py: RemoteCTable.__new__(cls, urlpath, ...) opens the URL",
    ),
]


def _ops(value: object) -> bytes:
    """``value`` as protocol-2 opcodes, without the PROTO and STOP around them."""
    return pickle.dumps(value, protocol=2)[2:-1]


def _newobj(module: str, name: str, args: tuple[object, ...], state: object) -> bytes:
    body = b"\x80\x02c" + f"{module}\n{name}\n".encode() + _ops(args) + b"\x81"
    if state is not None:
        body += _ops(state) + b"b"
    return body + b"."


def _reconstructor(module: str, name: str, state: object) -> bytes:
    """What protocols 0 and 1 write: copyreg._reconstructor(cls, object, None) + BUILD."""
    cls = f"c{module}\n{name}\n".encode()
    call = b"ccopyreg\n_reconstructor\n(" + cls + b"cbuiltins\nobject\nNtR"
    return b"\x80\x02" + call + _ops(state) + b"b."


@pytest.mark.parametrize(
    ("module", "name", "args", "state", "source"),
    GADGETS,
    ids=[f"{m}.{n}" for m, n, *_ in GADGETS],
)
def test_newobj_of_a_gadget_is_unsafe(
    module: str, name: str, args: tuple[object, ...], state: object, source: str
) -> None:
    result = scan_bytes(_newobj(module, name, args, state), "gadget.pkl")
    assert result.verdict is Verdict.UNSAFE, (source, result.findings)


@pytest.mark.parametrize(
    ("module", "name", "state"),
    [(m, n, s) for m, n, _args, s, _source in GADGETS if s is not None],
)
def test_reconstructor_of_a_setstate_gadget_is_unsafe(
    module: str, name: str, state: object
) -> None:
    result = scan_bytes(_reconstructor(module, name, state), "gadget.pkl")
    assert result.verdict is Verdict.UNSAFE, result.findings


# scipy/stats/_distn_infrastructure.py, rv_generic._attach_argparser_methods (run by
# __setstate__ through _attach_methods): exec(self._parse_arg_template, ns)
NORM_TEMPLATE = """
def _parse_args(self,  loc=0, scale=1):
    return (), loc, scale

def _parse_args_rvs(self,  loc=0, scale=1, size=None):
    return self._argcheck_rvs( loc, scale, size=size)

def _parse_args_stats(self,  loc=0, scale=1, moments='mv'):
    return (), loc, scale, moments
"""
GAMMA_TEMPLATE = NORM_TEMPLATE.replace("self, ", "self, a, ").replace("(),", "(a, ),")
GAMMA_TEMPLATE = GAMMA_TEMPLATE.replace("_argcheck_rvs(", "_argcheck_rvs(a, ")
EVIL_TEMPLATES = [
    "import os\nos.system('true')\n" + NORM_TEMPLATE,
    NORM_TEMPLATE.replace("loc=0,", "loc=__import__('os').system('true'),", 1),
    NORM_TEMPLATE.replace("return (), loc", "return print('x'), loc", 1),
    NORM_TEMPLATE.replace("self._argcheck_rvs", "self.__class__", 1),
    NORM_TEMPLATE + "\nclass _parse_args_extra:\n    pass\n",
    "def _parse_args(self):\n    import os\n    return ()\n",
    "def _parse_args(self, *args):\n    return [x for x in ()]\n",
    "(" * 500,
    "x" * (64 << 10),
]


def _distribution(template: object, *, via_reconstructor: bool = False) -> bytes:
    state = {"_parse_arg_template": template, "a": float("-inf"), "b": float("inf")}
    module, name = "scipy.stats._continuous_distns", "norm_gen"
    if via_reconstructor:
        return _reconstructor(module, name, state)
    return _newobj(module, name, (), state)


@pytest.mark.parametrize("template", [NORM_TEMPLATE, GAMMA_TEMPLATE])
def test_scipy_generated_template_is_safe(template: str) -> None:
    assert template_problem(template) is None
    assert scan_bytes(_distribution(template), "dist.pkl").verdict is Verdict.SAFE


@pytest.mark.parametrize("template", EVIL_TEMPLATES, ids=range(len(EVIL_TEMPLATES)))
def test_template_with_code_is_unsafe(template: str) -> None:
    assert template_problem(template) is not None
    for via in (False, True):
        result = scan_bytes(_distribution(template, via_reconstructor=via), "dist.pkl")
        assert result.verdict is Verdict.UNSAFE, result.findings


def test_template_that_is_not_a_string_is_unsafe() -> None:
    assert template_problem(None) is not None
    assert template_problem(NORM_TEMPLATE.encode()) is None

"""Grade what the pickle machine saw: allowlist first, denylist only for naming.

* anything *invoked* (REDUCE, OBJ/INST with arguments, a higher-order argument
  that is called) that is not on an allowlist profile is **unsafe**;
* a callee computed at load time (the result of a call, a persistent object, an
  unregistered extension code, a non-literal STACK_GLOBAL) is **unsafe**;
* BUILD on a global, or a state that plants dunder attributes, is **unsafe**;
* a class outside the profiles reconstructed only through the default path
  (NEWOBJ, ``copyreg._reconstructor``, OBJ without arguments) is **suspicious**,
  and so is a plain reference to an unknown global (its module is imported);
* so is a *user* class called with literal data only (an ``enum.Enum`` member
  pickles as ``Stage('train')``): a CapWords name outside the standard library and
  the libraries we know, not a known dangerous class name, no callable arguments;
* a reference to a known danger (``os.system``) is **unsafe** even if not called.
"""

from __future__ import annotations

import functools
import io
import re
import sys
from collections.abc import Callable, Iterator

from chainward.models.pickle.denylist import DANGERS, danger_of
from chainward.models.pickle.profiles import (
    CONTAINER_TYPES,
    HIGHER_ORDER,
    NUMPY_UFUNCS,
    PROFILES,
)
from chainward.models.pickle.vm import (
    MAX_OPS,
    MAX_VALUES,
    Call,
    CutBytes,
    Global,
    Invocation,
    Lit,
    Map,
    Persistent,
    PickleTrace,
    Seq,
    Value,
    python2_global,
    run_all,
)
from chainward.records import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

# opens ``size`` bytes at ``offset`` of the stream a trace was read from (positions from 0)
Reader = Callable[[int, int], "BinaryIO"]

# callables that unpickle their bytes argument again (torch pickles storages this way)
_NESTED_LOADERS = frozenset({"torch.storage._load_from_bytes"})
_MAX_NESTING = 4
_NESTED_OPS = MAX_OPS // 2  # opcodes for all nested pickles of one stream together
_NESTED_VALUES = MAX_VALUES // 2  # and values: the outer trace is still held meanwhile
_MAX_NESTED_ZIP_MEMBERS = 256
_NESTED_ZIP_BYTES = 64 << 20  # pickle members read into memory from one nested zip

_ALL_CALLS = frozenset().union(*(p.calls for p in PROFILES))
_ALL_REFS = frozenset().union(*(p.refs for p in PROFILES))
_CLASS_PREFIXES = tuple(prefix for p in PROFILES for prefix in p.classes)
_EXCLUDED = tuple(prefix for p in PROFILES for prefix in p.excluded)
_NEW_ONLY = frozenset().union(*(p.new_only for p in PROFILES))


@functools.cache  # compiled on first use: compiling costs a millisecond at every start-up
def _class_modules() -> re.Pattern[str] | None:
    modules = "|".join(f"(?:{m})" for p in PROFILES for m in p.class_modules)
    return re.compile(modules) if modules else None


@functools.cache
def _new_only_modules() -> re.Pattern[str] | None:
    modules = "|".join(f"(?:{m})" for p in PROFILES for m in p.new_only_modules)
    return re.compile(modules) if modules else None


def is_new_only(glob: Global) -> bool:
    """A class the unpickler may rebuild with ``cls.__new__`` and its ``__setstate__``,
    never call: listed by name, or a CapWords class directly in a listed module
    (a whole pickled Hugging Face model: ``nn.Module.__setstate__`` only updates its
    ``__dict__``, while some model constructors download weights)."""
    if glob.dotted in _NEW_ONLY:
        return True
    pattern = _new_only_modules()
    return (
        pattern is not None
        and not glob.computed
        and glob.name.isidentifier()
        and not _is_dunder(glob.name)
        and _looks_like_class(glob.name)
        and pattern.fullmatch(glob.module) is not None
    )


_SAFE_BASES = frozenset(
    {
        "builtins.object",
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "builtins.bytes",
        "builtins.frozenset",
        "collections.OrderedDict",
    }
)


_Add = Callable[[str, Severity, str, "int | None"], None]


class Verdict:
    """One graded observation, before it becomes a :class:`~chainward.records.Finding`."""

    # a plain class: a frozen dataclass costs about a millisecond at every start-up
    __slots__ = ("message", "offset", "rule", "severity")

    def __init__(self, rule: str, severity: Severity, message: str, offset: int | None) -> None:
        self.rule = rule
        self.severity = severity
        self.message = message
        self.offset = offset

    def __repr__(self) -> str:
        return f"Verdict({self.rule!r}, {self.severity.label}, {self.message!r}, {self.offset})"


def _is_dunder(part: str) -> bool:
    return len(part) > 4 and part.startswith("__") and part.endswith("__")


def is_allowed_call(glob: Global) -> bool:
    dotted = glob.dotted
    if dotted in _ALL_CALLS:
        return True
    if glob.module in ("numpy", "numpy.core", "numpy._core") and glob.name in NUMPY_UFUNCS:
        return True
    return is_profile_class(glob)


def is_profile_class(glob: Global, *, known_class: bool = False) -> bool:
    """A class under an allowed prefix (and not under an excluded module).

    Unless the opcode proves it is a class (``known_class``: NEWOBJ needs one), the
    leaf name must look like one (CapWords), so helper functions stay out.
    """
    return _profile_class(glob.module, glob.name, known_class)


@functools.lru_cache(maxsize=8192)  # a pure function of the names; asked once per call
def _profile_class(module: str, name: str, known_class: bool) -> bool:
    dotted = f"{module}.{name}"
    allowed = max((len(p) for p in _CLASS_PREFIXES if dotted.startswith(p)), default=0)
    if not allowed and (pattern := _class_modules()) and pattern.fullmatch(module):
        allowed = len(module) + 1
    excluded = max((len(e) for e in _EXCLUDED if dotted.startswith(e)), default=0)
    if not allowed or excluded >= allowed:  # the more specific rule wins
        return False
    parts = dotted.split(".")
    if parts[0] == "__torch__":
        parts = parts[1:]
    if any(_is_dunder(p) or p == "<locals>" for p in parts):
        return False
    qualname = name.split(".")
    # a dotted qualname can hop through module attributes
    # (torch.nn.modules.module.sys.modules reaches sys): never through a named danger,
    # and for a call only through classes (Outer.Inner); references and __new__ may
    # pass lowercase classes (scipy's interp1d._call_linear_np)
    if len(qualname) > 1 and not module.startswith("__torch__"):
        if danger_of(name) is not None:
            return False
        if not known_class and not all(_looks_like_class(p) for p in qualname[:-1]):
            return False
    leaf = qualname[-1]
    return known_class or _looks_like_class(leaf)


def _looks_like_class(part: str) -> bool:
    return part[:1].isupper() or (part.startswith("_") and part[1:2].isupper())


def is_allowed_ref(glob: Global) -> bool:
    return glob.dotted in _ALL_REFS or is_allowed_call(glob)


def _name(glob: Global) -> str:
    text = glob.dotted
    if glob.written is not None and glob.written != (glob.module, glob.name):
        text += f" (written as {glob.written[0]}.{glob.written[1]})"
    return text


def _where(offset: int | None) -> str:
    return "" if offset is None else f" at byte {offset}"


def grade(
    trace: PickleTrace,
    *,
    depth: int = 0,
    budget: list[int] | None = None,
    reader: Reader | None = None,
) -> list[Verdict]:
    """Every unsafe or suspicious thing in ``trace`` (empty when it only holds allowed data).

    ``budget`` is the [opcodes, values] allowance shared by all nested pickles (one list,
    mutated).
    ``reader`` re-reads the stream the trace came from: a byte string the machine kept
    only the head of (:class:`CutBytes`) is read again from it when a loader in the
    pickle unpickles it.
    """
    if budget is None:
        budget = [_NESTED_OPS, _NESTED_VALUES]
    out: list[Verdict] = []
    seen: set[tuple[str, str]] = set()

    def add(rule: str, severity: Severity, message: str, offset: int | None) -> None:
        key = (rule, message)
        if key in seen:
            return
        seen.add(key)
        out.append(Verdict(rule, severity, message, offset))

    consumed: set[int] = set()  # ids of globals graded as callees
    plain_keys: set[Value] = set()  # state keys known to be plain names (memoized strings)
    higher_order_graded: set[tuple[int, ...]] = set()
    for inv in trace.invocations:
        callee = inv.callee
        if type(callee) is Persistent and (module_class := _legacy_torch_class(callee)):
            inv = Invocation(inv.kind, module_class, inv.args, inv.offset, inv.result, inv.detail)
            callee = module_class
        kind = inv.kind
        if type(callee) is Global:
            # what _grade_invocation concludes for the commonest calls, without the walk
            if not callee.computed and (
                (kind == "reduce" and _plain_allowed_call(callee.module, callee.name))
                or (kind == "new" and _plain_allowed_new(callee.module, callee.name))
            ):
                consumed.add(id(callee))
                continue
            if kind == "reduce" and _plain_higher_order_call(
                callee.module, callee.name, callee.written, callee.computed
            ):
                consumed.add(id(callee))
                key = _higher_order_key(callee, inv.args)
                if key not in higher_order_graded:
                    higher_order_graded.add(key)
                    _grade_higher_order(callee, inv, add, consumed)
                continue
        elif kind == "setstate" and not isinstance(callee, Global):
            # all _grade_invocation does for it; a state that is neither a dict nor a
            # (dict, slots) pair holds no attribute names (numpy arrays: a 5-tuple)
            state = inv.args
            if (
                isinstance(state, Map)
                or (isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2)
                or isinstance(callee, Persistent)
            ):
                _grade_build(inv, add, consumed, plain_keys)
            continue
        _grade_invocation(inv, add, consumed)
        if isinstance(callee, Global) and callee.dotted in _NESTED_LOADERS:
            _grade_nested(inv, add, depth, budget, reader)
    for glob in trace.globals:
        if id(glob) in consumed:
            continue
        _grade_reference(glob, add)
    if trace.over_budget and trace.error_offset is not None:
        _grade_unread(trace.error_offset, f"{trace.error}", add, reader)
    elif trace.more_streams_at is not None:
        streams = f"more than {trace.streams} pickle streams (a loader may read on)"
        _grade_unread(trace.more_streams_at, streams, add, reader)
    return out


# how much of a pickle's rest past the machine's budgets is walked opcode by opcode
# (about 30 MB/s) to show it holds data only
DATA_WALK_BYTES = 256 << 20
NAME_CONTEXT = 1024  # covers the two name literals (and memo ops) before a STACK_GLOBAL


def _legacy_torch_class(value: Persistent) -> Global | None:
    """The class a legacy (non-zip) ``torch.save`` of a whole module refers to by a
    persistent id ``('module', cls, source_file, source)``: torch's persistent_load
    returns ``cls`` itself, so a call on it is graded as a call of that global. (A
    loader without persistent_load raises there instead.)"""
    pid = value.pid
    if not isinstance(pid, Seq) or pid.kind != "tuple" or len(pid.items) < 2:
        return None
    tag, target = pid.items[0], pid.items[1]
    if isinstance(tag, Lit) and tag.value in ("module", b"module") and type(target) is Global:
        return target
    return None


def _grade_unread(where: int, why: str, add: _Add, reader: Reader | None) -> None:
    """The machine stopped at a budget at ``where``; the real unpickler reads on.

    The rest is walked opcode by opcode first: when nothing in it can import or call
    (a vocabulary of millions of words), it is data only and the finding is low.
    Otherwise it is searched for imported names, and the file is at least suspicious.
    """
    found = ""
    search_from = where
    if reader is not None:
        from chainward.models.pickle.datawalk import walk_data

        with reader(where, 1 << 62) as rest:
            tail = walk_data(rest, base=where, max_bytes=DATA_WALK_BYTES)
        if tail.data_only and "budget" not in tail.stopped:
            add(
                "pickle-op-budget",
                Severity.LOW,
                f"the pickle machine stopped at {why}; the remaining {tail.end - where} "
                "bytes were walked opcode by opcode: data only, nothing imported or called",
                where,
            )
            return
        if tail.code_at is not None:
            found = f" (it has {tail.code_op} at byte {tail.code_at})"
            # nothing before the first import or call imports a name: search from there,
            # less the literals a STACK_GLOBAL takes (the walk already read that part)
            search_from = max(where, tail.code_at - NAME_CONTEXT)
    add(
        "pickle-op-budget",
        Severity.MEDIUM,
        f"not fully analysed: {why}; "
        + (
            f"the rest{found} was only searched for imported names"
            if reader is not None
            else "nothing after it was analysed"
        ),
        where,
    )
    if reader is None:
        return
    from chainward.models.pickle.tail import imported_names

    with reader(search_from, 1 << 62) as rest:
        for module, name, offset, opcode in imported_names(rest, base=search_from):
            if opcode == "STACK_GLOBAL":  # protocol 4 and later
                glob = Global(module, name, offset, opcode)
            else:  # GLOBAL/INST lines: maybe protocol 0-2, where find_class maps names
                glob = python2_global(module, name, offset, opcode)
            _grade_reference(glob, add)


# a pure function of the names (torch calls the same two 20,000 times per file)
@functools.lru_cache(maxsize=4096)
def _plain_allowed_call(module: str, name: str) -> bool:
    """A REDUCE on this global is allowed whatever its arguments: an exact allowlisted
    call (not a prefix-allowed class, whose arguments are graded), none of the callees
    with argument rules, no dunder hop in its qualname."""
    dotted = f"{module}.{name}"
    if dotted in _ARGUMENT_RULES or dotted in HIGHER_ORDER:
        return False
    if any(_is_dunder(p) for p in name.split(".")[:-1]):
        return False
    glob = Global(module, name, 0, "GLOBAL")
    return is_allowed_call(glob) and not _called_profile_class(glob)


_SPECIAL_CALLEES = frozenset({"builtins.getattr", "functools.partial", *_NESTED_LOADERS})


def _higher_order_key(callee: Global, args: Value) -> tuple[int, ...]:
    """What :func:`_grade_higher_order` looks at, by identity: the same callee on the same
    argument objects (numpy's ``_reconstruct`` on the memoized ndarray class, for every
    array) grades the same way again, so it is graded once."""
    items = args.items if isinstance(args, Seq) else []
    indexes = HIGHER_ORDER[callee.dotted]
    return (id(callee), *(id(items[i]) if i < len(items) else -1 for i in indexes))


@functools.lru_cache(maxsize=4096)  # a pure function of the names
def _plain_higher_order_call(
    module: str, name: str, written: tuple[str, str] | None, computed: bool
) -> bool:
    """A REDUCE on this global grades only its higher-order arguments: what
    _grade_invocation concludes for an allowed callee such as numpy's ``_reconstruct``
    (none of the special callees, not a profile class or a user class, nothing to say
    about the callee itself)."""
    dotted = f"{module}.{name}"
    if dotted not in HIGHER_ORDER or dotted in _ARGUMENT_RULES:
        return False
    glob = Global(module, name, 0, "GLOBAL", written, computed)
    if _called_profile_class(glob) or _user_class_call(glob, Seq("tuple", [])):
        return False
    return not _global_callee_verdicts(module, name, written, computed, "reduce", "")


@functools.lru_cache(maxsize=4096)  # a pure function of the names
def _plain_allowed_new(module: str, name: str) -> bool:
    """NEWOBJ on this global is allowed whatever its arguments: an allowlisted call
    (as _grade_invocation checks it for ``new``) with no argument rules."""
    dotted = f"{module}.{name}"
    if dotted in _ARGUMENT_RULES or dotted in HIGHER_ORDER:
        return False
    return is_allowed_call(Global(module, name, 0, "GLOBAL"))


def _bound_method(value: Value) -> Global | None:
    """``getattr(cls, 'name')`` with literal operands, when ``cls.name`` is an allowed call.

    This is how pickle writes a classmethod (``zoneinfo.ZoneInfo._unpickle``); any
    other getattr stays a computed callee.
    """
    if not (
        isinstance(value, Call)
        and isinstance(value.callee, Global)
        and value.callee.dotted == "builtins.getattr"
        and not value.callee.computed
        and isinstance(value.args, Seq)
        and len(value.args.items) == 2
    ):
        return None
    owner, attr = value.args.items
    if not (isinstance(owner, Global) and isinstance(attr, Lit) and isinstance(attr.value, str)):
        return None
    if owner.computed or "." in attr.value or _is_dunder(attr.value):
        return None
    bound = Global(owner.module, f"{owner.name}.{attr.value}", value.offset, "getattr")
    return bound if bound.dotted in _ALL_CALLS else None


# scipy.stats distributions keep numpy.vectorize wrappers of their own bound methods
# (rv_discrete._attach_methods: vecentropy = vectorize(self._entropy)), which pickle
# writes as getattr(instance, name); rv_generic defines no __getattr__, and calling the
# method later is still graded as a computed callee
_DISTRIBUTION_METHODS = frozenset(
    {"_entropy", "_cdf_single", "_ppf_single", "_mom0_sc", "_mom1_sc"}
)
_DISTRIBUTION_MODULES = (
    "scipy.stats._continuous_distns",
    "scipy.stats._discrete_distns",
    "scipy.stats._distn_infrastructure",
)


def _distribution_method(args: Value) -> bool:
    """``getattr(<a scipy.stats distribution>, '_entropy')``: a bound method as data."""
    if not (isinstance(args, Seq) and len(args.items) == 2):
        return False
    owner, attr = args.items
    if not (isinstance(attr, Lit) and attr.value in _DISTRIBUTION_METHODS):
        return False
    if not (isinstance(owner, Call) and owner.kind == "new" and isinstance(owner.callee, Global)):
        return False
    cls = owner.callee
    return (
        not cls.computed
        and cls.module in _DISTRIBUTION_MODULES
        and is_profile_class(cls, known_class=True)
    )


def _partial_of_allowed(callee: Value, args: Value) -> bool:
    if not (isinstance(callee, Global) and callee.dotted == "functools.partial"):
        return False
    if callee.computed or not isinstance(args, Seq) or not args.items:
        return False
    func = args.items[0]
    if isinstance(func, Call) and isinstance(func.args, Seq):
        func = _method_reference(func.callee, func.args) or func
    if not isinstance(func, Global) or func.computed or danger_of(func.dotted) is not None:
        return False
    return is_allowed_ref(func) or is_profile_class(func, known_class=True)


def _method_reference(callee: Value, args: Value) -> Global | None:
    """``getattr(cls, 'name')`` on an allowed class with a plain literal name, as a Global."""
    if not (
        isinstance(callee, Global)
        and callee.dotted == "builtins.getattr"
        and not callee.computed
        and isinstance(args, Seq)
        and len(args.items) == 2
    ):
        return None
    owner, attr = args.items
    if not (isinstance(owner, Global) and isinstance(attr, Lit) and isinstance(attr.value, str)):
        return None
    name = attr.value
    if owner.computed or not name.isidentifier() or _is_dunder(name):
        return None
    if name.startswith("_"):
        # a private static method stored as an attribute (CyclicLR._triangular_scale_fn):
        # only when a profile lists that exact name as a reference
        private = Global(owner.module, f"{owner.name}.{name}", callee.offset, "getattr")
        return private if private.dotted in _ALL_REFS else None
    if not (is_allowed_ref(owner) or is_profile_class(owner, known_class=True)):
        return None
    if not _looks_like_class(owner.name.split(".")[-1]) and owner.dotted not in _ALL_REFS:
        return None  # a module or function owner: getattr(os, 'system') stays a getattr call
    return Global(owner.module, f"{owner.name}.{name}", callee.offset, "getattr")


def _grade_callee(
    callee: Value, kind: str, offset: int, add: _Add, consumed: set[int], via: str = ""
) -> None:
    """Grade one thing the unpickler (or an allowed helper) calls or instantiates."""
    if _bound_method(callee) is not None:
        return
    if isinstance(callee, Global):
        consumed.add(id(callee))
        _grade_global_callee(callee, kind, offset, add, consumed, via)
        return
    what = _computed(callee)
    if isinstance(callee, Call | Persistent):
        add(
            "pickle-computed-callee",
            Severity.HIGH,
            f"calls {what}, a callable computed while loading{via} (attribute/import chains "
            "such as getattr, attrgetter or importlib look like this)",
            offset,
        )
    else:
        add(
            "pickle-malformed-call",
            Severity.MEDIUM,
            f"calls {what}{via}, which is not callable (the load fails here)",
            offset,
        )


def _grade_global_callee(
    glob: Global, kind: str, offset: int, add: _Add, consumed: set[int], via: str
) -> None:
    verdicts = _global_callee_verdicts(
        glob.module, glob.name, glob.written, glob.computed, kind, via
    )
    for rule, severity, message in verdicts:
        add(rule, severity, message, offset)


# a pure function of the names: the same few callees come up for every array or tensor
@functools.lru_cache(maxsize=4096)
def _global_callee_verdicts(
    module: str, name: str, written: tuple[str, str] | None, computed: bool, kind: str, via: str
) -> tuple[tuple[str, Severity, str], ...]:
    found: list[tuple[str, Severity, str]] = []

    def add(rule: str, severity: Severity, message: str, offset: int | None) -> None:
        found.append((rule, severity, message))

    glob = Global(module, name, 0, "GLOBAL", written, computed)
    _check_global_callee(glob, kind, 0, add, via)
    return tuple(found)


def _check_global_callee(glob: Global, kind: str, offset: int, add: _Add, via: str) -> None:
    if glob.computed:
        add(
            "pickle-computed-callee",
            Severity.HIGH,
            f"calls a global whose name is computed ({_name(glob)}){via}",
            offset,
        )
        return
    danger = danger_of(glob.dotted)
    if kind == "new" or kind == "ref":
        if kind == "new" and not via and danger is not None and _new_runs_code(glob):
            add(
                "pickle-dangerous-global",
                Severity.CRITICAL,
                f"instantiates {_name(glob)}{via} through its __new__: {danger}",
                offset,
            )
            return
        allowed = is_allowed_ref(glob) or is_profile_class(glob, known_class=kind == "new")
        if allowed or (kind == "new" and is_new_only(glob)):
            return
        if danger is not None:
            add(
                "pickle-dangerous-global",
                Severity.CRITICAL,
                f"instantiates {_name(glob)}{via}: {danger}",
                offset,
            )
            return
        add(
            "pickle-unknown-class",
            Severity.MEDIUM,
            f"reconstructs {_name(glob)}{via}, a class outside the allowlist profiles (its "
            "__new__/__setstate__ run at load time; review it)",
            offset,
        )
        return
    if (
        is_allowed_call(glob) and not any(_is_dunder(p) for p in glob.name.split(".")[:-1])
    ) or glob.dotted in ("copyreg.__newobj__", "copyreg.__newobj_ex__"):
        return
    if danger is not None:
        add(
            "pickle-dangerous-call",
            Severity.CRITICAL,
            f"calls {_name(glob)}{via}: {danger}",
            offset,
        )
        return
    add(
        "pickle-unlisted-call",
        Severity.HIGH,
        f"calls {_name(glob)}{via}, which no allowlist profile permits (any callable can run code "
        "at load time)",
        offset,
    )


def _new_runs_code(glob: Global) -> bool:
    """NEWOBJ on a class allowed only as a reference whose own ``__new__`` does what the
    denylist names: ``numpy.memmap.__new__(memmap, path, mode='w+')`` creates the file,
    whereas pickle's own path for a memmap (``_reconstruct(memmap, ...)``, graded with a
    ``via``) runs ``ndarray.__new__`` on it instead.
    """
    return (
        glob.module != "builtins"
        and glob.dotted not in _ALL_CALLS
        and not is_profile_class(glob, known_class=True)
        and not is_new_only(glob)
    )


def _grade_invocation(inv: Invocation, add: _Add, consumed: set[int]) -> None:
    callee = inv.callee
    getattr_call = isinstance(callee, Global) and callee.dotted == "builtins.getattr"
    if (
        getattr_call
        and inv.kind == "reduce"
        and _bound_method(Call(callee, inv.args, "reduce", inv.offset))
    ):
        consumed.add(id(callee))
        if isinstance(inv.args, Seq):
            consumed.update(id(item) for item in inv.args.items)
        return
    if inv.kind == "reduce" and _partial_of_allowed(callee, inv.args):
        # functools.partial(f1_score, beta=2) only stores its function; calling the
        # partial later (REDUCE on it, a higher-order argument) is a computed callee
        consumed.add(id(callee))
        return
    if getattr_call and inv.kind == "reduce" and _distribution_method(inv.args):
        consumed.add(id(callee))
        return
    method = _method_reference(callee, inv.args)
    if method is not None:
        # pickle writes a method object (TfidfVectorizer(tokenizer=str.split)) as
        # getattr(str, 'split'): a lookup on an allowed class, graded as a reference;
        # calling the result is still a computed callee
        consumed.add(id(callee))
        if isinstance(inv.args, Seq):
            consumed.update(id(item) for item in inv.args.items)
        _grade_reference(method, add)
        return
    if inv.kind in ("reduce", "new", "obj", "inst"):
        kind = inv.kind
        if kind in ("obj", "inst"):
            # _pickle.c instantiate(): no arguments and a class -> cls.__new__(cls)
            no_args = isinstance(inv.args, Seq) and not inv.args.items
            leaf = callee.name.split(".")[-1] if isinstance(callee, Global) else ""
            kind = "new" if no_args and leaf[:1].isupper() else "reduce"
        if kind == "new" and isinstance(callee, Global) and is_allowed_call(callee):
            consumed.add(id(callee))
        elif kind == "reduce" and isinstance(callee, Global) and _called_profile_class(callee):
            consumed.add(id(callee))
            _grade_function_arguments(callee, inv, add)
        elif kind == "reduce" and isinstance(callee, Global) and _user_class_call(callee, inv.args):
            consumed.add(id(callee))
            add(
                "pickle-unknown-class-call",
                Severity.MEDIUM,
                f"calls {_name(callee)}(...) with literal data only: by its name a class of the "
                "user's own code (an Enum member pickles this way), outside the allowlist "
                "profiles; its constructor runs at load time, review it",
                inv.offset,
            )
        else:
            _grade_callee(callee, kind, inv.offset, add, consumed)
            if kind == "new" and isinstance(callee, Global):
                _grade_wrapped_callables(callee, inv, add)
        if isinstance(callee, Global) and callee.dotted in HIGHER_ORDER:
            _grade_higher_order(callee, inv, add, consumed)
        if isinstance(callee, Global) and callee.dotted in _STATE_ARGUMENTS:
            index = _STATE_ARGUMENTS[callee.dotted]
            if isinstance(inv.args, Seq) and index < len(inv.args.items):
                _grade_state(inv.args.items[index], callee.dotted, inv.offset, add)
        if (
            isinstance(callee, Global)
            and callee.dotted in _BARE_CONSTRUCTORS
            and not (isinstance(inv.args, Seq) and not inv.args.items)
        ):
            add(
                "pickle-state-smuggling",
                Severity.HIGH,
                f"calls {callee.dotted} with arguments: its constructor setattr()s every "
                "key it is given (its own pickles pass none and add items afterwards)",
                inv.offset,
            )
        return
    if inv.kind == "setstate":
        _grade_build(inv, add, consumed)
        return
    if inv.kind == "method":
        target = inv.callee
        if isinstance(target, Call) and isinstance(target.callee, Global):
            if target.callee.dotted in CONTAINER_TYPES or is_profile_class(target.callee):
                return
            return  # the class itself is graded where it was built
        if isinstance(target, Global):
            consumed.add(id(target))
            add(
                "pickle-method-on-global",
                Severity.HIGH,
                f"calls {target.dotted}.{inv.detail}(...) while loading (APPEND/SETITEM on a "
                "class, function or module)",
                inv.offset,
            )
            return
        if isinstance(target, Persistent | Call):
            add(
                "pickle-computed-callee",
                Severity.HIGH,
                f"calls {inv.detail} on {_computed(target)} while loading",
                inv.offset,
            )
            return
        add(
            "pickle-malformed-call",
            Severity.MEDIUM,
            f"adds items to {_computed(target)}, which is not a container (the load fails)",
            inv.offset,
        )


def _grade_nested(
    inv: Invocation, add: _Add, depth: int, budget: list[int], reader: Reader | None
) -> None:
    """``torch.storage._load_from_bytes(b)`` runs ``torch.load(BytesIO(b), weights_only=False)``.

    torch writes it for every storage pickled with plain ``pickle`` (a legacy-format
    checkpoint in a bytes literal), so the bytes are graded as the pickle they are.
    """
    args = inv.args.items if isinstance(inv.args, Seq) else []
    where = f" (inside {inv.callee.dotted if isinstance(inv.callee, Global) else 'a loader'})"
    data = args[0].value if args and isinstance(args[0], Lit) else None
    if not isinstance(data, bytes):
        add(
            "pickle-computed-callee",
            Severity.HIGH,
            f"unpickles bytes computed while loading{where}",
            inv.offset,
        )
        return
    if depth >= _MAX_NESTING:
        add(
            "pickle-nesting-too-deep",
            Severity.HIGH,
            f"pickles nested more than {_MAX_NESTING} levels deep{where}",
            inv.offset,
        )
        return

    def not_analysed(what: str) -> None:
        add("pickle-nested-not-analysed", Severity.MEDIUM, what + where, inv.offset)

    whole = _whole_bytes(data, reader)
    if whole is None:
        not_analysed(
            f"only the first {len(data)} of the {getattr(data, 'size', len(data))} bytes a "
            "loader unpickles could be analysed"
        )
        whole = (lambda: io.BytesIO(data), None)
    for stream, nested_reader in _nested_streams(data, whole, not_analysed):
        if budget[0] <= 0 or budget[1] <= 0:
            add(
                "pickle-nesting-budget",
                Severity.MEDIUM,
                f"nested pickles past the budget of {_NESTED_OPS} opcodes and "
                f"{_NESTED_VALUES} values were not analysed{where}",
                inv.offset,
            )
            return
        with stream:
            nested = run_all(stream, max_ops=budget[0], max_values=budget[1])
        budget[0] -= max(nested.ops, 1)
        budget[1] -= max(nested.values, 1)
        for item in grade(nested, depth=depth + 1, budget=budget, reader=nested_reader):
            add(item.rule, item.severity, item.message + where, inv.offset)


# how to open all of a nested pickle's bytes, and a reader for the byte strings it cuts
_Whole = tuple[Callable[[], "BinaryIO"], Reader | None]


def _whole_bytes(data: bytes, reader: Reader | None) -> _Whole | None:
    if isinstance(data, CutBytes):
        if reader is None:
            return None
        start, size = data.offset, data.size
        return (
            lambda: reader(start, size),
            lambda offset, length: reader(start + offset, min(length, size - offset)),
        )
    return (lambda: io.BytesIO(data), bytes_reader(data))


def bytes_reader(data: bytes) -> Reader:
    """A :data:`Reader` over ``data`` held in memory."""
    return lambda offset, size: io.BytesIO(data[offset : offset + size])


def _nested_streams(
    data: bytes, whole: _Whole, not_analysed: Callable[[str], None]
) -> Iterator[tuple[BinaryIO, Reader | None]]:
    opener, reader = whole
    if not data.startswith(b"PK"):
        yield opener(), reader
        return
    import zipfile  # only nested zip checkpoints need it; keeps it off one-file start-up

    size = getattr(data, "size", len(data))
    members: list[bytes] = []
    total = 0
    try:  # torch.load also reads zip checkpoints: grade each member that is a pickle
        with opener() as stream, zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_NESTED_ZIP_MEMBERS:
                not_analysed(
                    f"members past the first {_MAX_NESTED_ZIP_MEMBERS} of a nested zip "
                    "checkpoint were not analysed"
                )
            for info in infos[:_MAX_NESTED_ZIP_MEMBERS]:
                if not info.filename.endswith(".pkl") or info.file_size > size * 4:
                    continue
                total += info.file_size
                if total > _NESTED_ZIP_BYTES:
                    not_analysed(
                        f"pickle members past {_NESTED_ZIP_BYTES >> 20} MiB of a nested zip "
                        "checkpoint were not analysed"
                    )
                    break
                members.append(archive.read(info))
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        yield opener(), reader
        return
    for member in members:
        yield io.BytesIO(member), bytes_reader(member)


def _called_profile_class(callee: Global) -> bool:
    """A class allowed by prefix (not by exact name) that the pickle calls with arguments."""
    return (
        callee.dotted not in _ALL_CALLS
        and not callee.computed
        and is_profile_class(callee)
        and not any(_is_dunder(p) for p in callee.name.split(".")[:-1])
    )


# top-level packages whose own classes are never taken for the user's: the profiles'
# libraries, every module of the denylist, and libraries whose classes open
# connections, start programs or load code when constructed
_OTHER_LIBRARIES = (
    "dask distributed paramiko fabric invoke pexpect ptyprocess sh plumbum docker "
    "IPython ipykernel jupyter_client jupyter_core notebook ray rpyc Pyro4 Pyro5 zmq "
    "pymongo redis celery kombu git boto3 botocore s3fs fsspec gcsfs google azure "
    "tornado twisted gevent eventlet numba Cython pyximport psutil pyautogui selenium "
    "playwright wandb comet_ml neptune tensorboard tensorboardX gradio streamlit flask "
    "django fastapi uvicorn starlette werkzeug sqlalchemy psycopg2 pymysql lightning "
    "pytorch_lightning lightning_fabric accelerate deepspeed datasets peft trl diffusers "
    "sentence_transformers xgboost lightgbm catboost h5py tables onnx onnxruntime "
    "tf_keras jax jaxlib flax cloudpickle dill pytest _pytest py nose mock tqdm rich "
    "click typer fire hydra PIL cv2 matplotlib seaborn plotly bokeh nltk gensim "
    "tokenizers sentencepiece safetensors timm torchvision torchaudio torchtext optuna "
    "scipy joblib sklearn statsmodels pyarrow omegaconf numpy pandas torch keras "
    "tensorflow sympy networkx pydantic attr attrs cattrs marshmallow "
    # what nearly every environment has installed, next to the model
    "pip setuptools pkg_resources _distutils_hack wheel virtualenv pipx transformers "
    "huggingface_hub mlflow requests urllib3 httpx aiohttp asyncssh jinja2 mako yaml "
    "ruamel lxml numexpr setuptools_scm certifi six "
    # classes that create files or databases, or connect, when constructed
    "httplib2 filelock portalocker smart_open absl simplejson msgpack cachetools diskcache "
    "sqlitedict lmdb zarr netCDF4 xarray fastparquet polars duckdb peewee pymssql oracledb "
    "mysql keyring websocket websockets grpc kafka confluent_kafka pika nats boto minio"
)
_KNOWN_PACKAGES = frozenset(
    {
        *sys.stdlib_module_names,
        *("__builtin__", "copy_reg", "commands", "popen2", "cPickle", "cStringIO", "StringIO"),
        *(name.split(".")[0] for p in PROFILES for name in (*p.calls, *p.refs, *p.classes)),
        *(name.split(".")[0] for name in DANGERS),
        *_OTHER_LIBRARIES.split(),
    }
)


@functools.cache  # compiled on first use: compiling costs a millisecond at every start-up
def _dangerous_class_names() -> re.Pattern[str]:
    # class names that start programs, load libraries, open files or connections, or
    # run code, wherever they are re-exported (``from subprocess import Popen``)
    return re.compile(
        r"(?:Popen\d?|PopenSpawn|[A-Z]*DLL|LibraryLoader|FileIO|[A-Za-z]*File|[A-Za-z]*Handler|"
        r"Process|[A-Za-z]*Pool|Thread|Timer|[A-Za-z]*Executor|[A-Za-z]*Console|[A-Za-z]*Interpreter|"
        r"[A-Za-z]*Shell|[A-Za-z]*Shell[A-Za-z]*|Pdb|[A-Za-z]*Client|[A-Za-z]*Connection|Repo|"
        r"[A-Za-z]*Command|[A-Za-z]*Server|Listener|[A-Za-z]*Manager|[A-Za-z]*Loader|"
        r"[A-Za-z]*Importer|[A-Za-z]*Socket|[A-Za-z]*Spawn|TemporaryDirectory|Spawn[A-Za-z]*)"
    )


_MAX_LITERAL_NODES = 256


def _user_class_call(callee: Global, args: Value) -> bool:
    """``Stage('train')``: what pickle writes for a member of a user's ``enum.Enum``.

    The name decides without importing anything: CapWords parts, a top-level module
    that is neither the standard library nor a library we know (their classes either
    are in a profile or stay unsafe: ``subprocess.Popen``, ``gzip.GzipFile(path, 'w')``,
    ``pandas.HDFStore``), no known dangerous class name (a user module may re-export
    ``Popen``), and arguments that are literal data (a function or class handed to a
    constructor may be called by it).
    """
    if callee.computed or not _user_class_name(callee.module, callee.name, callee.written):
        return False
    if not isinstance(args, Seq) or args.kind != "tuple":
        return False
    return _literal_data(args)


@functools.lru_cache(maxsize=4096)  # a pure function of the names
def _user_class_name(module: str, name: str, written: tuple[str, str] | None) -> bool:
    """The name-only half of :func:`_user_class_call`."""
    if danger_of(f"{module}.{name}") is not None:
        return False
    modules = [module]
    if written is not None:
        modules.append(written[0])
        if danger_of(".".join(written)) is not None:
            return False
    if any(m.split(".")[0] in _KNOWN_PACKAGES for m in modules):
        return False
    if not all(part.isidentifier() for m in modules for part in m.split(".")):
        return False
    parts = name.split(".")
    if not all(p.isidentifier() and p[:1].isupper() and not _is_dunder(p) for p in parts):
        return False
    return not _dangerous_class_names().fullmatch(parts[-1])


def _literal_data(value: Value) -> bool:
    stack = [value]
    seen = 0
    while stack:
        seen += 1
        if seen > _MAX_LITERAL_NODES:
            return False
        item = stack.pop()
        if isinstance(item, Lit):
            continue
        if isinstance(item, Seq):
            stack.extend(item.items)
        elif isinstance(item, Map):
            for key, val in item.items:
                stack.extend((key, val))
        else:
            return False  # a global, a call result or a persistent object
    return True


def _grade_function_arguments(callee: Global, inv: Invocation, add: _Add) -> None:
    """A profile class's __init__ may call a function it is given (scipy's gaussian_kde
    calls bw_method, LambdaLR calls lr_lambda): such a function must itself be allowed."""
    for item in _walk(inv.args, 64):
        if not isinstance(item, Global) or is_allowed_ref(item):
            continue
        if is_profile_class(item, known_class=True) and danger_of(item.dotted) is None:
            continue
        add(
            "pickle-callable-argument",
            Severity.HIGH,
            f"calls {callee.dotted}(...) with {_name(item)}, a function outside the profiles "
            "(constructors may call the functions they are given)",
            inv.offset,
        )
        return


def _grade_wrapped_callables(callee: Global, inv: Invocation, add: _Add) -> None:
    """``cls.__new__(cls, func, ...)`` of a class outside the profiles, handed a function.

    Lazy wrappers (``itertools.starmap``, a library's own ``LazyMap``) store the
    function and call it when a later allowed step iterates them (``list(...)``);
    ordinary classes rebuilt with ``__new__`` get literal arguments, not functions.
    """
    if is_allowed_ref(callee) or is_profile_class(callee, known_class=True):
        return
    if is_new_only(callee):
        return
    for item in _walk(inv.args, 64):
        if not isinstance(item, Global) or is_allowed_ref(item):
            continue
        if is_profile_class(item, known_class=False):
            continue  # a class (an Enum, a dtype) passed as data
        add(
            "pickle-wrapped-callable",
            Severity.HIGH,
            f"builds {callee.dotted} around {_name(item)} without calling its __init__ "
            "(a lazy wrapper calls what it holds when it is iterated or used)",
            inv.offset,
        )
        return


def _walk(value: Value, budget: int) -> Iterator[Value]:
    stack = [value]
    while stack and budget > 0:
        budget -= 1
        item = stack.pop()
        yield item
        if isinstance(item, Seq):
            stack.extend(item.items)
        elif isinstance(item, Map):
            for key, val in item.items:
                stack.extend((key, val))


def _grade_higher_order(callee: Global, inv: Invocation, add: _Add, consumed: set[int]) -> None:
    args = inv.args.items if isinstance(inv.args, Seq) else []
    for index, use in HIGHER_ORDER[callee.dotted].items():
        if index >= len(args):
            continue
        arg = args[index]
        via = f" (through {callee.dotted})"
        if use == "base":
            if isinstance(arg, Global):
                consumed.add(id(arg))
                if arg.dotted not in _SAFE_BASES:
                    _grade_callee(arg, "reduce", inv.offset, add, consumed, via)
            continue
        if use == "ref":
            if isinstance(arg, Global):
                consumed.add(id(arg))
                _grade_global_callee(arg, "ref", inv.offset, add, consumed, via)
            continue
        if isinstance(arg, Lit) and isinstance(arg.value, str):
            continue  # numpy's ctor helpers also take a bit generator by name
        _grade_callee(arg, use, inv.offset, add, consumed, via)


def _grade_build(
    inv: Invocation, add: _Add, consumed: set[int], plain_keys: set[Value] | None = None
) -> None:
    target, state = inv.callee, inv.args
    if isinstance(target, Global):
        consumed.add(id(target))
        danger = danger_of(target.dotted)
        add(
            "pickle-build-on-global",
            Severity.CRITICAL if danger else Severity.HIGH,
            f"BUILD changes attributes of {target.dotted} itself (a class, function or "
            "module), which can redirect later calls",
            inv.offset,
        )
        return
    if _is_joblib_file_wrapper(target):
        _grade_wrapper_filename(state, inv.offset, add)
    if _is_statsmodels_object(target):
        _grade_restored_formula(state, inv.offset, add)
    if plain_keys is None or _has_unknown_keys(state, plain_keys):
        _grade_state(state, "BUILD", inv.offset, add)
        _grade_distribution_template(state, inv.offset, add)
    if isinstance(target, Persistent):
        add(
            "pickle-computed-callee",
            Severity.HIGH,
            "BUILD on a persistent object calls its __setstate__",
            inv.offset,
        )


def _grade_state(state: Value, who: str, offset: int, add: _Add) -> None:
    for key, value in _dunder_state_items(state):
        if key in _DATA_DUNDERS and isinstance(value, Lit):
            continue  # statsmodels results keep their __doc__ string in __dict__
        if _is_dunder(key) or key in ("__setstate__", "__reduce__", "__reduce_ex__"):
            add(
                "pickle-state-smuggling",
                Severity.HIGH,
                f"{who} sets attribute {key!r} on an object, which makes the unpickler call "
                "what it holds (setstate smuggling)",
                offset,
            )


# allowed torch helpers that setattr() every key of one argument on the object they
# rebuild (torch/_utils.py _set_obj_state): {callee: argument index}
_STATE_ARGUMENTS = {
    "torch._utils._rebuild_parameter_with_state": 3,
    "torch._tensor._rebuild_from_type_v2": 3,
}

# allowed calls only without arguments: diffusers' FrozenDict(*args) setattr()s each
# key of its arguments (a '__setstate__' key would then run on BUILD)
_BARE_CONSTRUCTORS = frozenset({"diffusers.configuration_utils.FrozenDict"})
# callees whose arguments have rules of their own (HIGHER_ORDER's too): never taken
# by the short cuts that allow a call whatever its arguments
_ARGUMENT_RULES = frozenset({*_SPECIAL_CALLEES, *_STATE_ARGUMENTS, *_BARE_CONSTRUCTORS})


# statsmodels results keep __doc__ in __dict__, numpy.vectorize keeps __name__
_DATA_DUNDERS = frozenset({"__doc__", "__name__"})
# joblib < 0.10 stored each array in a file beside the pickle; on load the wrapper runs
# np.load(os.path.join(folder, filename), allow_pickle=True) (numpy_pickle_compat.py)
_JOBLIB_FILE_WRAPPERS = frozenset({"NDArrayWrapper", "ZNDArrayWrapper"})


def _is_joblib_file_wrapper(target: Value) -> bool:
    return (
        isinstance(target, Call)
        and isinstance(target.callee, Global)
        and target.callee.name in _JOBLIB_FILE_WRAPPERS
        and target.callee.module.startswith(("joblib.", "sklearn.externals.joblib."))
    )


def _grade_wrapper_filename(state: Value, offset: int, add: _Add) -> None:
    for key, value in _state_items(state):
        if key != "filename":
            continue
        name = value.value if isinstance(value, Lit) else None
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if not isinstance(name, str):
            add(
                "pickle-external-file",
                Severity.HIGH,
                "a joblib array wrapper names a computed file to np.load (allow_pickle=True)",
                offset,
            )
        elif name.startswith(("/", "\\", "~")) or ".." in name or ":" in name:
            add(
                "pickle-external-file",
                Severity.HIGH,
                f"a joblib array wrapper loads {name!r} with np.load(allow_pickle=True), "
                "outside the pickle's folder",
                offset,
            )


def _is_statsmodels_object(target: Value) -> bool:
    return (
        isinstance(target, Call)
        and isinstance(target.callee, Global)
        and target.callee.module.startswith("statsmodels.")
    )


def _grade_restored_formula(state: Value, offset: int, add: _Add) -> None:
    """statsmodels' ModelData.__setstate__ evaluates the formula of a state that asks
    for it to be restored (see :mod:`chainward.models.pickle.formula`)."""
    items = dict(_state_items(state))
    if not items.keys() & {"restore_model_spec", "restore_design_info"} or "formula" not in items:
        return
    from chainward.models.pickle.formula import formula_problem  # tokenize: only here

    value = items["formula"]
    formula = value.value if isinstance(value, Lit) else None
    if isinstance(formula, bytes):
        formula = formula.decode("latin-1")
    problem = "a formula computed while loading" if not isinstance(formula, str) else None
    problem = problem or formula_problem(str(formula))
    if problem is not None:
        add(
            "pickle-formula-code",
            Severity.HIGH,
            f"a statsmodels model formula holds {problem}: the formula is evaluated as "
            "Python code when the model is loaded",
            offset,
        )


_TEMPLATE_KEY = "_parse_arg_template"  # argparser.TEMPLATE_KEY (ast: imported only when found)


def _grade_distribution_template(state: Value, offset: int, add: _Add) -> None:
    """scipy.stats distributions exec() the ``_parse_arg_template`` of their state on load
    (see :mod:`chainward.models.pickle.argparser`); checked whatever the class, so the
    path that rebuilds it (NEWOBJ, copyreg._reconstructor, a re-export) does not matter."""
    for key, value in _state_items(state):
        if key != _TEMPLATE_KEY:
            continue
        from chainward.models.pickle.argparser import template_problem

        problem = template_problem(value.value if isinstance(value, Lit) else None)
        if problem is not None:
            add(
                "pickle-distribution-code",
                Severity.HIGH,
                f"a scipy.stats distribution's argument-parser template holds {problem}: "
                "the template is executed as Python code when the distribution is loaded",
                offset,
            )


def _has_unknown_keys(state: Value, plain_keys: set[Value]) -> bool:
    """Whether a dict of ``state`` (as :func:`_state_items` finds them) has a key that is
    not in ``plain_keys``, the keys already seen to be string literals without a leading
    ``__``; the keys of such dicts are added to it.

    Objects of one class are rebuilt with the same memoized key objects, so after the
    first state of a class this is one set lookup per key. scipy's argument-parser
    template key counts as unknown, so that its state is checked.
    """
    if isinstance(state, Map):
        maps: list[Value] | tuple[Value, ...] = (state,)
    elif isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2:
        maps = state.items
    else:
        return False
    for item in maps:
        if not isinstance(item, Map):
            continue
        for key, _value in item.items:
            if key in plain_keys:
                continue
            name = key.value if isinstance(key, Lit) else None
            if not isinstance(name, str) or name.startswith("__") or name == _TEMPLATE_KEY:
                return True
            plain_keys.add(key)
    return False


def _dunder_state_items(state: Value) -> list[tuple[str, Value]]:
    """What :func:`_state_items` yields for names that start with ``__``, as a list (the
    state of every BUILD is searched: most have none, and most are not dicts at all)."""
    if isinstance(state, Map):
        maps: list[Value] | tuple[Value, ...] = (state,)
    elif isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2:
        maps = state.items
    else:
        return []
    return [
        (key.value, value)
        for item in maps
        if isinstance(item, Map)
        for key, value in item.items
        if isinstance(key, Lit) and isinstance(key.value, str) and key.value.startswith("__")
    ]


def _state_items(state: Value) -> Iterator[tuple[str, Value]]:
    maps: list[Value] = [state]
    if isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2:
        maps = list(state.items)
    for item in maps:
        if isinstance(item, Map):
            for key, value in item.items:
                if isinstance(key, Lit) and isinstance(key.value, str):
                    yield key.value, value


def _grade_reference(glob: Global, add: _Add) -> None:
    if glob.computed and glob.opcode.startswith("EXT"):
        # an extension code no registry entry names: a standard interpreter's copyreg
        # registry is empty, so the load fails here; only calling it is graded unsafe
        # (1 in ~40,000 random weight blobs reads as an EXT lookup followed by garbage)
        add(
            "pickle-computed-global",
            Severity.MEDIUM,
            f"looks up extension code {glob.name}, which no copyreg registration names here "
            "(a standard interpreter fails the load at this point)",
            glob.offset,
        )
        return
    if glob.computed:
        add(
            "pickle-computed-global",
            Severity.HIGH,
            f"looks up a global with a computed name ({glob.module}.{glob.name})",
            glob.offset,
        )
        return
    danger = danger_of(glob.dotted)
    if is_allowed_ref(glob):
        return
    if is_profile_class(glob, known_class=True) and (
        danger is None or _looks_like_class(glob.name.split(".")[-1])
    ):
        return  # importing a module under an allowed prefix is fine; calling is graded apart
    name = _name(glob)
    if danger is not None:
        add(
            "pickle-dangerous-global",
            Severity.HIGH,
            f"imports {name}: {danger} (not called directly, but nothing in a model needs it)",
            glob.offset,
        )
        return
    add(
        "pickle-unknown-global",
        Severity.MEDIUM,
        f"imports {name}, outside the allowlist profiles (importing runs module code; review it)",
        glob.offset,
    )


def _computed(value: Value) -> str:
    depth = 0
    while isinstance(value, Call) and isinstance(value.callee, Call) and depth < 8:
        value = value.callee
        depth += 1
    if isinstance(value, Call):
        inner = value.callee
        label = inner.dotted if isinstance(inner, Global) else f"a {type(inner).__name__.lower()}"
        return f"the result of {label}(...)" + (" (nested calls)" if depth else "")
    if isinstance(value, Persistent):
        return "a persistent-id object"
    if isinstance(value, Global):
        return value.dotted
    if isinstance(value, Lit):
        return f"a literal {type(value.value).__name__}"
    if isinstance(value, Seq):
        return f"a {value.kind}"
    return "a dict"


__all__ = [
    "Reader",
    "Verdict",
    "bytes_reader",
    "grade",
    "is_allowed_call",
    "is_allowed_ref",
    "is_profile_class",
]

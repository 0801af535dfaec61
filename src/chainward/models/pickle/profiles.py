"""Allowlist profiles: what real frameworks write into their pickles.

Each profile lists, from pickles the real libraries produce (see
``tests/assets/models/generate.py``):

* ``calls`` — callables the unpickler may *invoke* (REDUCE/OBJ/INST), by exact
  ``module.qualname``; a module prefix is never enough to call something, because
  every big library also holds a ``load``/``run``/testing helper;
* ``classes`` — module prefixes whose CapWords classes may be reconstructed
  through the default path (``cls.__new__`` + ``__setstate__``/``__dict__``), and
  called when they are classes (an estimator's ``__init__`` stores parameters);
* ``refs`` — names that may appear as plain references (dtypes, storage types);
* ``excluded`` — sub-modules of an allowed prefix that are never trusted.

``HIGHER_ORDER`` says which arguments of an allowed callable are themselves
called, so that ``copyreg._reconstructor(os.system, ...)`` is graded on ``os.system``.
"""

from __future__ import annotations


class Profile:
    """Names one framework's pickles call, instantiate or refer to."""

    # a plain class: a frozen dataclass costs about a millisecond at every start-up
    __slots__ = (
        "calls",
        "class_modules",
        "classes",
        "excluded",
        "name",
        "new_only",
        "new_only_modules",
        "refs",
    )

    def __init__(
        self,
        name: str,
        *,
        calls: frozenset[str] = frozenset(),
        classes: tuple[str, ...] = (),
        refs: frozenset[str] = frozenset(),
        excluded: tuple[str, ...] = (),
        class_modules: tuple[str, ...] = (),  # regular expressions a class's module must match
        new_only: frozenset[str] = frozenset(),  # allowed through cls.__new__ only, never called
        new_only_modules: tuple[str, ...] = (),  # regular expressions, the same through modules
    ) -> None:
        self.name = name
        self.calls = calls
        self.classes = classes
        self.refs = refs
        self.excluded = excluded
        self.class_modules = class_modules
        self.new_only = new_only
        self.new_only_modules = new_only_modules

    def __repr__(self) -> str:
        return f"Profile({self.name!r})"


_TORCH_ACTIVATIONS = (
    "relu",
    "relu6",
    "gelu",
    "silu",
    "mish",
    "elu",
    "selu",
    "celu",
    "leaky_relu",
    "tanhshrink",
    "hardswish",
    "hardsigmoid",
    "hardtanh",
    "softplus",
    "softsign",
    "sigmoid",
    "tanh",
    "glu",
    "softmax",
    "log_softmax",
)

_TORCH_DTYPES = [
    "bfloat16",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bool",
    "complex128",
    "complex32",
    "complex64",
    "float16",
    "float32",
    "float64",
    "float4_e2m1fn_x2",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "int1",
    "int16",
    "int2",
    "int3",
    "int32",
    "int4",
    "int5",
    "int6",
    "int64",
    "int7",
    "int8",
    "qint32",
    "qint8",
    "quint2x4",
    "quint4x2",
    "quint8",
    "uint1",
    "uint16",
    "uint2",
    "uint3",
    "uint32",
    "uint4",
    "uint5",
    "uint6",
    "uint64",
    "uint7",
    "uint8",
    "half",
    "float",
    "double",
    "long",
    "int",
    "short",
    "cfloat",
    "cdouble",
    "per_channel_affine",
    "per_channel_affine_float_qparams",
    "per_channel_symmetric",
    "per_tensor_affine",
    "per_tensor_symmetric",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "sparse_csc",
    "sparse_bsr",
    "sparse_bsc",
    "_mkldnn",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "preserve_format",
]
_TORCH_TENSOR_TYPES = [
    "BFloat16",
    "Bool",
    "Byte",
    "Char",
    "Double",
    "Float",
    "Half",
    "Int",
    "Long",
    "Short",
]
_TORCH_STORAGES = [
    *(f"{t}Storage" for t in _TORCH_TENSOR_TYPES),
    "ComplexDoubleStorage",
    "ComplexFloatStorage",
    "QInt32Storage",
    "QInt8Storage",
    "QUInt2x4Storage",
    "QUInt4x2Storage",
    "QUInt8Storage",
]

TORCH = Profile(
    "torch-weights",
    calls=frozenset(
        {
            # torch.load(weights_only=True)'s own allowlist (torch/_weights_only_unpickler.py)
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_tensor_v3",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch._utils._rebuild_qtensor",
            "torch._utils._rebuild_sparse_tensor",
            "torch._utils._rebuild_sparse_csr_tensor",
            "torch._utils._rebuild_meta_tensor_no_storage",
            "torch._utils._rebuild_nested_tensor",
            "torch._utils._rebuild_wrapper_subclass",
            "torch._utils._rebuild_device_tensor_from_numpy",
            "torch._utils._rebuild_device_tensor_from_cpu_tensor",
            "torch._utils._rebuild_xla_tensor",
            "torch._utils._rebuild_mps_tensor",
            "torch._tensor._rebuild_from_type_v2",
            "torch._tensor._rebuild_from_type",
            "torch.serialization._get_layout",
            "torch.Size",
            "torch.device",
            "torch.Tensor",
            "torch.nn.parameter.Parameter",
            "torch.nn.parameter.Buffer",
            "torch.nn.parameter.UninitializedParameter",
            "torch.storage.TypedStorage",
            "torch.storage.UntypedStorage",
            "torch.storage._load_from_bytes",
            "torch.dtype",
            "torch.finfo",
            "torch.iinfo",
            "torch.torch_version.TorchVersion",
            # a generator's state in checkpoints: Generator(device) then set_state
            "torch.Generator",
            "torch._C.Generator",
            # TorchScript archives (read by the C++ unpickler, which resolves only these)
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_tensorlist",
            "torch.jit._pickle.build_doublelist",
            "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensor_from_id",
            "torch.jit._pickle.restore_type_tag",
        }
    ),
    classes=(
        "torch.nn.modules.",
        "torch.nn.parameter.",
        "torch.optim.",
        "torch.nn.utils.parametrize.",
        "torch.nn.utils.rnn.PackedSequence",
        # the hook objects a whole module keeps after spectral_norm()/weight_norm()
        # (plain attribute holders, no __setstate__)
        "torch.nn.utils.spectral_norm.",
        "torch.nn.utils.weight_norm.WeightNorm",
        # a whole AMP GradScaler (its __setstate__ is __dict__.update), old and new homes
        "torch.amp.grad_scaler.GradScaler",
        "torch.amp.grad_scaler.OptState",
        "torch.cuda.amp.grad_scaler.GradScaler",
        "torch.cuda.amp.grad_scaler.OptState",
        "torch.cpu.amp.grad_scaler.GradScaler",
        "torch.ao.nn.",
        "torch.nn.quantized.",
        "torch.distributions.",
        "__torch__.",  # TorchScript class types, never imported as Python modules
        # torch.distributed.checkpoint.save writes these dataclasses to .metadata
        "torch.distributed.checkpoint.metadata.",
        "torch.distributed.checkpoint.filesystem._StorageInfo",
        "torch.distributed.checkpoint.planner.",
    ),
    refs=frozenset(
        {
            *(f"torch.{d}" for d in _TORCH_DTYPES),
            *(f"torch.{s}" for s in _TORCH_STORAGES),
            *(f"torch.cuda.{s}" for s in _TORCH_STORAGES),
            *(f"torch.{t}Tensor" for t in _TORCH_TENSOR_TYPES),
            *(f"torch.cuda.{t}Tensor" for t in _TORCH_TENSOR_TYPES),
            *(f"torch.sparse.{t}Tensor" for t in _TORCH_TENSOR_TYPES),
            *(f"torch.cuda.sparse.{t}Tensor" for t in _TORCH_TENSOR_TYPES),
            "torch.nn.modules.module._IncompatibleKeys",
            "torch.float",
            "torch.layout",
            "torch.memory_format",
            "torch.qscheme",
            # activations a whole pickled module holds as attributes (TransformerEncoderLayer)
            *(f"torch.nn.functional.{name}" for name in _TORCH_ACTIVATIONS),
            *(f"torch.{name}" for name in ("relu", "sigmoid", "tanh")),
            # F.gelu, F.softplus and F.logsigmoid are C functions that pickle by these names
            # (transformers' GELUActivation keeps nn.functional.gelu)
            *(f"torch._C._nn.{name}" for name in ("gelu", "softplus", "log_sigmoid")),
            # GradScaler's per-optimizer state is a defaultdict with this factory
            "torch.amp.grad_scaler._refresh_per_optimizer_state",
            "torch.cuda.amp.grad_scaler._refresh_per_optimizer_state",
            # a whole CyclicLR keeps its scale function, a static method, pickled as
            # getattr(CyclicLR, name) (exp_range wraps it in functools.partial)
            *(
                f"torch.optim.lr_scheduler.CyclicLR._{mode}_scale_fn"
                for mode in ("triangular", "triangular2", "exp_range")
            ),
        }
    ),
    excluded=("torch.nn.modules.lazy",),
    # a whole quantized model holds packed parameters as TorchScript objects, rebuilt
    # by their C++ class's __setstate__ (only classes registered with torch)
    new_only=frozenset({"torch.ScriptObject", "torch._C.ScriptObject"}),
)

_NUMPY_CORE = ("numpy.core", "numpy._core")
NUMPY = Profile(
    "numpy",
    calls=frozenset(
        {
            *(f"{c}.multiarray._reconstruct" for c in _NUMPY_CORE),
            *(f"{c}.multiarray.scalar" for c in _NUMPY_CORE),
            *(f"{c}.numeric._frombuffer" for c in _NUMPY_CORE),
            *(f"{c}._internal._reconstruct" for c in _NUMPY_CORE),
            *(f"{c}.multiarray._reconstruct" for c in _NUMPY_CORE),
            *(f"{c}._multiarray_umath._reconstruct" for c in _NUMPY_CORE),
            *(f"{c}._ufunc_reconstruct" for c in _NUMPY_CORE),
            "numpy.dtype",
            "numpy.ndarray",
            "numpy.ma.core._mareconstruct",
            "numpy.random._pickle.__randomstate_ctor",
            "numpy.random._pickle.__generator_ctor",
            "numpy.random._pickle.__bit_generator_ctor",
            "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
            "numpy.random._mt19937.MT19937",
            "numpy.random._pcg64.PCG64",
            "numpy.random._pcg64.PCG64DXSM",
            "numpy.random._philox.Philox",
            "numpy.random._sfc64.SFC64",
            "numpy.random.bit_generator.SeedSequence",
            "numpy.random.mtrand.RandomState",
            "numpy.random._generator.Generator",
            "numpy.random.__RandomState_ctor",
            "numpy.core.multiarray.ndarray",
            "numpy.matrix",
            "numpy.ma.core.MaskedArray",
            "numpy.ma.MaskedArray",
            "numpy.recarray",
            "numpy.record",
            "numpy.ma.core.MaskedConstant",
            "numpy.dtypes.StringDType",
            "numpy._globals._CopyMode",
            # StringDType arrays (numpy 2) rebuild their dtype through this helper
            *(f"{c}._internal._convert_to_stringdtype_kwargs" for c in _NUMPY_CORE),
            "numpy.poly1d",
            "numpy.lib._polynomial_impl.poly1d",
            "numpy.lib.polynomial.poly1d",
            "numpy.finfo",
            "numpy.iinfo",
        }
    ),
    classes=(
        "numpy.dtypes.",
        "numpy.matrixlib.defmatrix.",
        "numpy.ma.core.",
        "numpy.core.records.",
        "numpy._core.records.",
        "numpy.rec.",
        "numpy.char.",
        "numpy._core.defchararray.",
        "numpy.core.defchararray.",
        # Polynomial, Chebyshev, Legendre...: __setstate__ assigns __dict__
        "numpy.polynomial.",
    ),
    # numpy.vectorize(f) objects that scipy.stats distributions hold: __dict__ only
    # (no __setstate__); the function is called when the wrapper is, never at load
    new_only=frozenset({"numpy.vectorize", "numpy.lib._function_base_impl.vectorize"}),
    refs=frozenset(
        {
            "numpy.ndarray",
            "numpy.ma.MaskedArray",
            "numpy.ma.core.MaskedArray",
            "numpy.matrix",
            "numpy.recarray",
            "numpy.memmap",
            "numpy.number",
            "numpy.generic",
            *(
                f"numpy.{t}"
                for t in [
                    "bool_",
                    "bool",
                    "int8",
                    "int16",
                    "int32",
                    "int64",
                    "uint8",
                    "uint16",
                    "uint32",
                    "uint64",
                    "float16",
                    "float32",
                    "float64",
                    "float128",
                    "longdouble",
                    "complex64",
                    "complex128",
                    "complex256",
                    "clongdouble",
                    "str_",
                    "bytes_",
                    "void",
                    "object_",
                    "datetime64",
                    "timedelta64",
                    "intc",
                    "uintc",
                    "intp",
                    "uintp",
                    "longlong",
                    "ulonglong",
                    "short",
                    "ushort",
                    "byte",
                    "ubyte",
                    "single",
                    "double",
                    "half",
                    "csingle",
                    "cdouble",
                    "int_",
                    "uint",
                    "float_",
                    "complex_",
                    "unicode_",
                    "string_",
                ]
            ),
            "numpy.random._mt19937.MT19937",
            "numpy.random._pcg64.PCG64",
            "numpy.random._pcg64.PCG64DXSM",
            "numpy.random._philox.Philox",
            "numpy.random._sfc64.SFC64",
            "numpy.random.bit_generator.SeedSequence",
        }
    ),
)

# numpy ufuncs pickle by name (numpy.add ...); they are harmless to reference or call.
NUMPY_UFUNCS = frozenset(
    [
        "absolute",
        "add",
        "arccos",
        "arccosh",
        "arcsin",
        "arcsinh",
        "arctan",
        "arctan2",
        "arctanh",
        "bitwise_and",
        "bitwise_or",
        "bitwise_xor",
        "cbrt",
        "ceil",
        "conjugate",
        "copysign",
        "cos",
        "cosh",
        "deg2rad",
        "degrees",
        "divide",
        "divmod",
        "equal",
        "exp",
        "exp2",
        "expm1",
        "fabs",
        "float_power",
        "floor",
        "floor_divide",
        "fmax",
        "fmin",
        "fmod",
        "frexp",
        "gcd",
        "greater",
        "greater_equal",
        "heaviside",
        "hypot",
        "invert",
        "isfinite",
        "isinf",
        "isnan",
        "isnat",
        "lcm",
        "ldexp",
        "left_shift",
        "less",
        "less_equal",
        "log",
        "log10",
        "log1p",
        "log2",
        "logaddexp",
        "logaddexp2",
        "logical_and",
        "logical_not",
        "logical_or",
        "logical_xor",
        "matmul",
        "maximum",
        "minimum",
        "mod",
        "modf",
        "multiply",
        "negative",
        "nextafter",
        "not_equal",
        "positive",
        "power",
        "rad2deg",
        "radians",
        "reciprocal",
        "remainder",
        "right_shift",
        "rint",
        "sign",
        "signbit",
        "sin",
        "sinh",
        "spacing",
        "sqrt",
        "square",
        "subtract",
        "tan",
        "tanh",
        "true_divide",
        "trunc",
        "abs",
        "mean",
        "median",
        "sum",
        "prod",
        "amax",
        "amin",
        "max",
        "min",
        "nanmean",
        "nanmedian",
        "std",
        "var",
        # pure numeric functions that FunctionTransformer(func=...) and friends hold
        "clip",
        "round",
        "around",
        "cumsum",
        "cumprod",
        "nansum",
        "nanstd",
        "nanvar",
        "nanmax",
        "nanmin",
        "percentile",
        "quantile",
        "nan_to_num",
        "argmax",
        "argmin",
    ]
)

SKLEARN = Profile(
    "sklearn",
    calls=frozenset(
        {
            "sklearn.tree._tree.Tree",
            "sklearn.metrics._dist_metrics.newObj",
            "sklearn.neighbors._ball_tree.newObj",
            "sklearn.neighbors._kd_tree.newObj",
            "sklearn.neighbors._binary_tree.newObj",
            "sklearn.utils._bunch.Bunch",
            "sklearn.utils.Bunch",
        }
    ),
    classes=(
        "sklearn.",
        "scipy.sparse.",
        # scipy objects that estimators and statsmodels results hold: frozen
        # distributions and KDEs, splines and interpolators, KD-trees, rotations,
        # optimizer results, LTI systems; plus array-API helpers splines keep as refs
        "scipy.stats._distn_infrastructure.",
        "scipy.stats._continuous_distns.",
        "scipy.stats._discrete_distns.",
        "scipy.stats._multivariate.",
        "scipy.stats._covariance.",
        "scipy.stats._kde.",
        "scipy.stats._stats_py.",
        "scipy.interpolate.",
        "scipy.spatial._ckdtree.",
        "scipy.spatial._kdtree.",
        "scipy.spatial.transform._rotation.",
        "scipy.optimize._optimize.OptimizeResult",
        # the inverse Hessian that L-BFGS-B fits return (statsmodels mle_retvals)
        "scipy.optimize._lbfgsb_py.LbfgsInvHessProduct",
        "scipy.signal._ltisys.",
        "scipy._lib.array_api_compat.numpy._aliases.",
        "scipy._lib._bunch.",
        "imblearn.",
        "xgboost.sklearn.",
        "lightgbm.sklearn.",
        "lightgbm.basic.",
        "catboost.core.",
        # joblib's array wrappers only: the same module re-exports BinaryZlibFile and
        # BinaryGzipFile, which open (and with mode 'wb' truncate) a path when constructed
        *(
            f"{prefix}numpy_pickle.{name}"
            for prefix in ("joblib.", "sklearn.externals.joblib.")
            for name in ("NumpyArrayWrapper", "NDArrayWrapper", "ZNDArrayWrapper")
        ),
        "xgboost.core.",
        # Memory(location=None).cache(f) pickles these (they only hold the function or
        # value); MemorizedResult and (Async)MemorizedFunc take a location and create
        # the directory and a .gitignore in it when constructed (FileSystemStoreBackend)
        "joblib.memory.NotMemorizedFunc",
        "joblib.memory.AsyncNotMemorizedFunc",
        "joblib.memory.NotMemorizedResult",
        "umap.umap_.",
        "hdbscan.hdbscan_.",
    ),
    refs=frozenset(),
    excluded=(
        "sklearn.utils._testing",
        "sklearn.utils.estimator_checks",
        "sklearn.externals",
        "sklearn.conftest",
        "sklearn._build_utils",
        "sklearn.__check_build",
        "sklearn.utils._show_versions",
        "sklearn.datasets",
        "sklearn.tests",
        "sklearn.utils.tests",
        "sklearn.utils.parallel",
        "sklearn.experimental",
        "scipy.sparse.linalg",
        # sklearn 1.9 callbacks: multiprocessing.connection.Client/Listener connect or bind
        "sklearn.callback",
        "joblib.numpy_pickle.Pickler",
        "joblib.numpy_pickle.Unpickler",
    ),
)

PANDAS = Profile(
    "pandas",
    calls=frozenset(
        {
            "pandas._libs.arrays.__pyx_unpickle_NDArrayBacked",
            "pandas._libs.internals._unpickle_block",
            "pandas.core.indexes.base._new_Index",
            "pandas.core.internals.managers.BlockManager",
            "pandas.core.internals.managers.SingleBlockManager",
            "pandas.StringDtype",
            "pandas._libs.tslibs.timestamps._unpickle_timestamp",
            "pandas._libs.tslibs.timedeltas._timedelta_unpickle",
            "pandas._libs.tslibs.nattype.__nat_unpickle",
            "pandas._libs.tslibs.nattype._nat_unpickle",  # pandas 3
            "pandas.core.arrays.string_.StringDtype",
            "pandas.Timestamp",
            "pandas.Timedelta",
            "pandas.Period",
            "pandas.Interval",
            "pandas._libs.sparse.BlockIndex",
            "pandas._libs.sparse.IntIndex",
            "pandas.core.internals.blocks.new_block",
            "pandas._libs.internals.BlockPlacement",
            "pandas._libs.interval.__pyx_unpickle_IntervalMixin",
            # DatetimeIndex/PeriodIndex/TimedeltaIndex/IntervalIndex.__reduce__ helpers
            "pandas.core.indexes.datetimes._new_DatetimeIndex",
            "pandas.core.indexes.period._new_PeriodIndex",
            "pandas.core.indexes.timedeltas._new_TimedeltaIndex",
            "pandas.core.indexes.interval._new_IntervalIndex",
            # time zones of tz-aware indexes and timestamps: pytz (pytz/__init__.py
            # _p/_UTC/FixedOffset, zone names resolved inside pytz's own data only)
            "pytz._p",
            "pytz._UTC",
            "pytz.FixedOffset",
            *(f"dateutil.tz.tz.{name}" for name in ("tzfile", "tzutc", "tzoffset", "tzlocal")),
            *(f"dateutil.tz.tz.{name}" for name in ("tzstr", "tzrange")),
            # python-dateutil 4: tzfile.__reduce__ -> _unpickle(cls, key, filename, data),
            # which parses the TZif bytes it is given (HIGHER_ORDER grades cls)
            "dateutil.tz._tzfile._unpickle",
        }
    ),
    # pandas pickles name the defining module (pandas.core..., pandas._libs...); the
    # top-level re-exports also hold readers and writers (pandas.ExcelWriter,
    # pandas.HDFStore, pandas.api.typing.JsonReader) that open files when constructed
    # dateutil time zones (tzfile pickles as tzfile(None, filename), which opens nothing;
    # tzical parses an iCalendar file) and relativedelta, which pandas offsets hold
    classes=(
        "pandas.",
        "dateutil.tz.tz.",
        "dateutil.tz._tzfile.tzfile",
        "dateutil.relativedelta.",
        "dateutil._common.weekday",
        "pytz.",
    ),
    excluded=(
        # pandas 3 pickles public classes under their top-level names (pandas.DataFrame);
        # the readers and writers among those names open files or URLs when constructed
        "pandas.ExcelWriter",
        "pandas.ExcelFile",
        "pandas.HDFStore",
        "pandas.api.typing.JsonReader",
        "pandas.api.typing.StataReader",
        "pandas.api.typing.TextFileReader",
        "pandas.api.interchange",
        "pandas._libs.parsers",
        "dateutil.tz.tz.tzical",
        "pandas._libs.json",
        "pandas._libs.testing",
        "pandas.core.interchange",
        "pandas.io",
        "pandas.util",
        "pandas.testing",
        "pandas._testing",
        "pandas.core.computation",
        "pandas.plotting",
        "pandas.read_",
        "pandas.eval",
        "pandas.core.config_init",
        "pandas.core.apply",
        "pandas.compat",
    ),
)

STDLIB = Profile(
    "stdlib-values",
    calls=frozenset(
        {
            "collections.OrderedDict",
            "collections.defaultdict",
            "collections.Counter",
            "collections.deque",
            "collections.ChainMap",
            "builtins.set",
            "builtins.frozenset",
            "builtins.complex",
            "builtins.bytearray",
            "builtins.bytes",
            "builtins.range",
            "builtins.slice",
            "builtins.list",
            "builtins.dict",
            "builtins.tuple",
            "builtins.int",
            "builtins.float",
            "builtins.str",
            "builtins.bool",
            "builtins.object",
            "builtins.reversed",
            "_codecs.encode",
            "codecs.encode",
            "copyreg._reconstructor",
            "copyreg.__newobj__",
            "copyreg.__newobj_ex__",
            "copy_reg._reconstructor",
            "datetime.datetime",
            "datetime.date",
            "datetime.time",
            "datetime.timedelta",
            "datetime.timezone",
            "decimal.Decimal",
            "fractions.Fraction",
            "uuid.UUID",
            "argparse.Namespace",
            "types.SimpleNamespace",
            "pathlib.PurePosixPath",
            "pathlib.PureWindowsPath",
            "pathlib.PosixPath",
            "pathlib.WindowsPath",
            "pathlib.PurePath",
            "pathlib.Path",
            "re._compile",
            "re.compile",
            "ipaddress.IPv4Address",
            "ipaddress.IPv6Address",
            "zoneinfo.ZoneInfo",
            "zoneinfo.ZoneInfo._unpickle",
            "array.array",
            "array._array_reconstructor",
            "builtins.memoryview",
        }
    ),
    refs=frozenset(
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
            "builtins.bool",
            "builtins.complex",
            "builtins.frozenset",
            "builtins.bytearray",
            "builtins.type",
            "builtins.NoneType",
            "builtins.Ellipsis",
            "builtins.NotImplemented",
            "builtins.slice",
            "builtins.range",
            "datetime.timezone",
            "datetime.tzinfo",
            # str methods passed as tokenizers/preprocessors (TfidfVectorizer(tokenizer=
            # str.split) pickles getattr(str, 'split')); they only transform their argument
            *(
                f"builtins.str.{m}"
                for m in ("split", "rsplit", "lower", "upper", "strip", "casefold", "splitlines")
            ),
        }
    ),
)

_SM_STATESPACE = {
    "_initialization": "Initialization",
    "_representation": "Statespace",
    "_kalman_filter": "KalmanFilter",
    "_kalman_smoother": "KalmanSmoother",
    "_simulation_smoother": "SimulationSmoother",
    "_tools": "Tools",
}

STATSMODELS = Profile(
    "statsmodels",
    # the state-space Cython classes are named by BLAS type prefix (dStatespace, zKalmanFilter)
    calls=frozenset(
        f"statsmodels.tsa.statespace.{module}.{prefix}{name}"
        for module, name in _SM_STATESPACE.items()
        for prefix in "sdcz"
    ),
    # results.save() pickles the model, its data wrapper and the results classes
    classes=("statsmodels.",),
    excluded=(
        "statsmodels.iolib",
        "statsmodels.datasets",
        "statsmodels.tools.web",
        "statsmodels.api",
        "statsmodels.formula",
        "statsmodels.sandbox",
        "statsmodels.conftest",
        "statsmodels.tests",
        "statsmodels.tools._test_runner",
        "statsmodels.graphics",  # statsmodels.graphics.functional.Pool (multiprocessing)
    ),
)

CONFIGS = Profile(
    "configs",
    # OmegaConf/Hydra configs in Lightning hyper_parameters; interpolations resolve on
    # access, never at load, and resolvers must be registered by code
    classes=(
        "omegaconf.dictconfig.",
        "omegaconf.listconfig.",
        "omegaconf.nodes.",
        "omegaconf.base.",
        "omegaconf.basecontainer.",
    ),
    refs=frozenset({"typing.Any", "omegaconf.base.Node"}),
)

HF = Profile(
    "huggingface",
    # Trainer writes training_args.bin = torch.save(TrainingArguments): a dataclass with
    # ExplicitEnum members (IntervalStrategy, SchedulerType, OptimizerNames...) and
    # accelerate's config dataclasses; configs and fast tokenizers pickle the same way
    # (the Rust tokenizer's state is its JSON). Modeling, pipeline, agent and
    # hub modules are not included: only configuration and argument modules.
    # An image processor holds its resampling filter as a PIL enum: Resampling(3)
    calls=frozenset({"PIL.Image.Resampling"}),
    classes=(
        "transformers.training_args.",
        "transformers.training_args_seq2seq.",
        "transformers.trainer_utils.",
        "transformers.utils.generic.",
        "transformers.utils.quantization_config.",
        "transformers.debug_utils.",
        "transformers.configuration_utils.",
        "transformers.generation.configuration_utils.",
        "transformers.tokenization_utils_base.",
        "transformers.tokenization_utils_fast.",
        "transformers.tokenization_utils_tokenizers.",
        "transformers.tokenization_python.",
        "transformers.tokenization_utils.",
        "transformers.trainer_pt_utils.AcceleratorConfig",
        # ModelOutput dataclasses (a saved forward output): __init__ stores its fields
        "transformers.modeling_outputs.",
        "accelerate.utils.dataclasses.",
        "tokenizers.",
    ),
    # the same files written by Trainer subclasses: TRL's *Config, sentence-transformers'
    # training arguments with their BatchSamplers enums, PEFT's adapter configs and
    # PeftType/TaskType enums (all dataclasses and enums, checked with the real libraries)
    class_modules=(
        r"transformers\.models\.[a-z0-9_]+\.configuration_[a-z0-9_]+",
        r"trl\.trainer\.[a-z0-9_]+_config",
        r"sentence_transformers(\.[a-z_]+)?\.training_args",
        r"sentence_transformers\.base\.sampler",
        r"peft\.utils\.peft_types",
        r"peft\.tuners\.[a-z0-9_]+\.config",
    ),
    # TrainingArguments keeps its accelerate state; pickle rebuilds it with __new__ and
    # its __dict__ (its __init__, which would set up torch.distributed, never runs)
    new_only=frozenset({"accelerate.state.PartialState", "accelerate.state.AcceleratorState"}),
    # torch.save(model) of a whole transformers model: its nn.Module classes are rebuilt
    # with __new__ and nn.Module.__setstate__ (none of these modules defines another);
    # never called, since some constructors load weights (TimmBackbone, pretrained=True)
    new_only_modules=(
        r"transformers\.models\.[a-z0-9_]+\.modeling_[a-z0-9_]+",
        r"transformers\.modeling_utils",
        r"transformers\.activations",
        r"transformers\.pytorch_utils",
        # tokenizers and image processors held by a whole pickled pipeline or
        # SentenceTransformer (their __setstate__ only sets attributes, at most loading
        # the sentencepiece/MeCab files named in them); never called, so nothing downloads
        r"transformers\.models\.[a-z0-9_]+\.(?:tokenization|image_processing)_[a-z0-9_]+",
        r"transformers\.image_utils",
        # a whole SentenceTransformer: nn.Modules and its model card dataclass
        r"sentence_transformers(?:\.[a-z0-9_]+)+",
    ),
    excluded=(
        # SpmConverter(tokenizer) opens tokenizer.vocab_file while it is constructed
        "transformers.tokenization_utils_tokenizers.SpmConverter",
        "tokenizers.implementations",
        "tokenizers.tools",
        # constructing these sets up torch.distributed (process groups, rendezvous)
        "transformers.training_args.PartialState",
        "transformers.training_args.AcceleratorState",
    ),
)

DIFFUSERS = Profile(
    "diffusers",
    # torch.save of a whole diffusers model or scheduler: nn.Modules and ConfigMixin
    # classes rebuilt with __new__ and __dict__ (the only __new__ overrides in these
    # modules build the replacement processor of a deprecated name); never called.
    # The config is a FrozenDict, an OrderedDict that copies its items to attributes.
    calls=frozenset({"diffusers.configuration_utils.FrozenDict"}),
    new_only_modules=(
        r"diffusers\.models(\.[a-z0-9_]+)+",
        r"diffusers\.schedulers\.scheduling_[a-z0-9_]+",
    ),
)

_ARROW_TYPES = [
    "null",
    "bool_",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "string",
    "large_string",
    "string_view",
    "binary",
    "large_binary",
    "binary_view",
    "date32",
    "date64",
    "time32",
    "time64",
    "timestamp",
    "duration",
    "month_day_nano_interval",
    "decimal32",
    "decimal64",
    "decimal128",
    "decimal256",
    "list_",
    "large_list",
    "list_view",
    "large_list_view",
    "fixed_size_list",
    "map_",
    "struct",
    "dictionary",
    "dense_union",
    "sparse_union",
    "union",
    "run_end_encoded",
    "field",
    "schema",
]

PYARROW = Profile(
    "pyarrow",
    # pandas 3 stores strings (and ArrowDtype columns) in pyarrow arrays when pyarrow is
    # installed; their __reduce__ rebuilds types, buffers, arrays and tables through
    # these pyarrow.lib functions. Exact names only: pyarrow.lib also holds OSFile,
    # memory_map and the filesystem/flight layers, which open files and sockets.
    calls=frozenset(
        {
            *(f"pyarrow.lib.{name}" for name in _ARROW_TYPES),
            "pyarrow.lib.type_for_alias",
            "pyarrow.lib.py_buffer",
            "pyarrow.lib.chunked_array",
            "pyarrow.lib.scalar",
            "pyarrow.lib._restore_array",
            "pyarrow.lib._reconstruct_table",
            "pyarrow.lib._reconstruct_record_batch",
        }
    ),
)

PYTABLES = Profile(
    "pytables",
    # PyTables 1.x and 2.x pickled a Filters object (compression settings only) into
    # every leaf's FILTERS attribute, its module then spelled tables.Leaf, and
    # numarray-era files hold numarray arrays; numarray never ran on Python 3, so its
    # names cannot even be imported by a loader today (found by site_sweep.py on the
    # test files PyTables ships)
    calls=frozenset(
        {
            "tables.Leaf.Filters",
            "tables.leaf.Filters",
            "tables.filters.Filters",
            "numarray.generic.ClassicUnpickler",
            "numarray.memory.memory_from_string",
        }
    ),
    refs=frozenset({"numarray.numarraycore.NumArray"}),
)

PROFILES = (
    TORCH,
    NUMPY,
    SKLEARN,
    PANDAS,
    STDLIB,
    STATSMODELS,
    CONFIGS,
    HF,
    DIFFUSERS,
    PYARROW,
    PYTABLES,
)

# callee -> {argument index: how the unpickler-side code uses that argument}
HIGHER_ORDER: dict[str, dict[int, str]] = {
    "copyreg._reconstructor": {0: "new", 1: "base"},
    "copy_reg._reconstructor": {0: "new", 1: "base"},
    "copyreg.__newobj__": {0: "new"},
    "copyreg.__newobj_ex__": {0: "new"},
    "numpy.core.multiarray._reconstruct": {0: "new"},
    "numpy._core.multiarray._reconstruct": {0: "new"},
    "numpy.ma.core._mareconstruct": {0: "new", 1: "new"},
    "sklearn.metrics._dist_metrics.newObj": {0: "new"},
    "sklearn.neighbors._ball_tree.newObj": {0: "new"},
    "sklearn.neighbors._kd_tree.newObj": {0: "new"},
    "sklearn.neighbors._binary_tree.newObj": {0: "new"},
    "torch._tensor._rebuild_from_type_v2": {0: "call", 1: "new"},
    "torch._tensor._rebuild_from_type": {0: "call", 1: "new"},
    "torch._utils._rebuild_wrapper_subclass": {0: "new"},
    "numpy.random._pickle.__generator_ctor": {1: "call"},
    "numpy.random._pickle.__bit_generator_ctor": {0: "call"},
    "numpy.random._pickle.__randomstate_ctor": {1: "call"},
    "collections.defaultdict": {0: "ref"},
    "pandas.core.indexes.base._new_Index": {0: "new"},
    "pandas.core.indexes.datetimes._new_DatetimeIndex": {0: "new"},
    "pandas.core.indexes.period._new_PeriodIndex": {0: "new"},
    "pandas.core.indexes.timedeltas._new_TimedeltaIndex": {0: "new"},
    "pandas.core.indexes.interval._new_IntervalIndex": {0: "new"},
    "pandas._libs.arrays.__pyx_unpickle_NDArrayBacked": {0: "new"},
    "dateutil.tz._tzfile._unpickle": {0: "new"},
}

# plain containers: the unpickler may call their append/extend/__setitem__/add
CONTAINER_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.Counter",
        "collections.deque",
        "builtins.set",
        "builtins.list",
        "builtins.dict",
        "builtins.frozenset",
        "collections.ChainMap",
    }
)


__all__ = ["CONTAINER_TYPES", "HIGHER_ORDER", "NUMPY_UFUNCS", "PROFILES", "Profile"]

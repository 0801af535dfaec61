"""Model format detection by content, never by file name.

``detect_format(path)`` reads a few KB at the start of a file (and for ZIP
archives the central directory at its end) and names the format:

=================  ===========================================================
``pickle``         a raw pickle stream (any protocol), including dill/cloudpickle
``pytorch``        PyTorch zip checkpoint, TorchScript archive, legacy
                   (magic-number) or tar checkpoint
``numpy``          ``.npy`` array file (magic ``\\x93NUMPY``)
``npz``            ZIP of ``.npy`` members (``numpy.savez``)
``joblib``         a joblib pickle, plain or in a zlib/gzip/bz2/xz/lzma wrapper
``keras``          Keras 3 ``.keras`` ZIP (a ``config.json`` at its root)
``keras-config``   a Keras model config JSON (``config.json`` of a model folder)
``hdf5``           HDF5 (legacy Keras ``.h5``), superblock at 0/512/1024/...
``tf-savedmodel``  SavedModel protobuf (``saved_model.pb``) or its directory
``tf-graphdef``    a frozen TensorFlow GraphDef protobuf
``onnx``           ONNX ModelProto
``tflite``         TensorFlow Lite flatbuffer (``TFL3``)
``gguf``           GGUF (llama.cpp)
``safetensors``    8-byte header length + JSON header
``zip`` ``tar`` ``7z`` ``gzip`` ``bz2`` ``xz`` ``lzma`` ``zlib`` ``zstd`` ``lz4``
                   generic containers and compressed wrappers
=================  ===========================================================

Anything else is ``None``. The check is cheap on purpose: the project inventory
calls it on every file it walks.
"""

from __future__ import annotations

import os
import re
import struct
import zlib

from chainward.models.protobuf import ProtobufError, ProtobufTruncated, skip_group

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

HEAD_SIZE = 8192

NUMPY_MAGIC = b"\x93NUMPY"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
GGUF_MAGIC = b"GGUF"
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LZ4_MAGIC = b"\x04\x22\x4d\x18"
LZ4_LEGACY_MAGIC = b"\x02\x21\x4c\x18"
ZIP_END_MAGIC = b"PK\x05\x06"  # zipread.EOCD_SIG, without importing the zip reader
# torch's legacy serialisation starts with this number pickled as a LONG1
TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")  # the order TensorFlow tries

FORMATS = (
    "pickle",
    "pytorch",
    "numpy",
    "npz",
    "joblib",
    "keras",
    "hdf5",
    "tf-savedmodel",
    "tf-graphdef",
    "onnx",
    "tflite",
    "gguf",
    "safetensors",
    "zip",
    "tar",
    "7z",
    "gzip",
    "bz2",
    "xz",
    "lzma",
    "zlib",
    "zstd",
    "lz4",
)
CONTAINER_FORMATS = frozenset(
    {"zip", "tar", "7z", "gzip", "bz2", "xz", "lzma", "zlib", "zstd", "lz4"}
)


# a path as callers give it; the scanner works on plain strings (pathlib is a fifth of
# a one-file scan's start-up)
StrPath = str | os.PathLike[str]


def path_text(path: StrPath) -> str:
    """``str(pathlib.Path(path))`` without importing pathlib: repeated and trailing
    slashes and ``.`` components dropped (``..`` kept), ``.`` for an empty path."""
    text = os.fspath(path)
    if os.sep != "/":
        from pathlib import Path

        return str(Path(text))
    if (
        "//" not in text
        and "/." not in text
        and not text.startswith("./")
        and (len(text) < 2 or not text.endswith("/"))
    ):
        return text or "."
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    parts = [p for p in text.split("/") if p and p != "."]
    return root + "/".join(parts) or "."


def detect_format(path: StrPath) -> str | None:
    """The model format of ``path`` by content, or None if it is not a model file.

    A directory holding ``saved_model.pb`` is ``tf-savedmodel``; other directories,
    unreadable and special files are None. Never raises for I/O problems.
    """
    try:
        if os.path.isdir(path):
            saved = any(os.path.isfile(os.path.join(path, name)) for name in SAVED_MODEL_FILES)
            return "tf-savedmodel" if saved else None
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(HEAD_SIZE)
            return detect_stream(fh, head, size)
    except OSError:
        return None


def detect_bytes(data: bytes) -> str | None:
    """Like :func:`detect_format` for bytes already in memory (archive members)."""
    import io

    return detect_stream(io.BytesIO(data), data[:HEAD_SIZE], len(data))


def detect_stream(fh: BinaryIO, head: bytes, size: int) -> str | None:
    """Detect from ``head`` (the first bytes) and, for archives, seekable ``fh``."""
    if not head:
        return None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(fh, size) or "zip"
    if head.startswith(NUMPY_MAGIC):
        return "numpy"
    if head.startswith(GGUF_MAGIC):
        return "gguf"
    if _is_hdf5(fh, head, size):
        return "hdf5"
    if head.startswith(SEVENZIP_MAGIC):
        return "7z"
    if head.startswith(XZ_MAGIC):
        return _compressed_kind("xz", head) or "xz"
    if head.startswith(GZIP_MAGIC):
        return _compressed_kind("gzip", head) or "gzip"
    if head.startswith(BZ2_MAGIC) and len(head) > 4 and head[3:4] in b"123456789":
        return _compressed_kind("bz2", head) or "bz2"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(LZ4_MAGIC) or head.startswith(LZ4_LEGACY_MAGIC):
        return "lz4"
    if len(head) >= 8 and head[1:4] == b"\x2a\x4d\x18" and head[0] & 0xF0 == 0x50:
        return _after_skippable(head)
    if is_tar_header(head):
        return _tar_kind(head)
    if len(head) >= 8 and head[4:8] == b"TFL3":
        return "tflite"
    if _is_safetensors(head, size):
        return "safetensors"
    if head.startswith(b"ZF0x"):
        return "joblib"  # joblib < 0.10 zlib file: "ZF" + hex length + zlib stream
    kind = _pickle_kind(head, size) or _pickle_after_long_first_line(fh, head, size)
    if kind is not None:
        return kind
    if head[:1] == b"\x78" and len(head) > 1 and (head[0] * 256 + head[1]) % 31 == 0:
        return _compressed_kind("zlib", head)
    if head[:1] == b"\x5d" and len(head) > 13:
        kind = _compressed_kind("lzma", head)
        if kind is not None:
            return kind
    proto = _protobuf_kind(head, size)
    if proto is not None:
        return proto
    if is_text_saved_model(head):
        return "tf-savedmodel"
    if is_keras_config(head):
        return "keras-config"
    if _has_trailing_zip(fh, head, size):
        return _zip_kind(fh, size) or "zip"
    return _text_prefixed_zip(fh, head, size)


# ---------------------------------------------------------------- containers


def _zip_kind(fh: BinaryIO, size: int) -> str | None:
    from chainward.models import zipread

    try:
        index = zipread.read_index(fh, size, max_entries=4096)
    except (zipread.ZipFormatError, OSError, struct.error, OverflowError):
        return None
    return classify_zip_names([e.name for e in index.entries])


def classify_zip_names(names: list[str]) -> str:
    """Name a ZIP archive's flavour from its member names."""
    # zipfile (Keras, NumPy) cuts a member name at its first NUL byte
    files = [n.split("\x00", 1)[0] for n in names if not n.endswith("/")]
    if not files:
        return "zip"
    base = {n.rsplit("/", 1)[-1] for n in files}
    # torch looks records up with miniz, which ignores case ('archive/DATA.PKL' loads)
    lowered = [n.lower() for n in files]
    depth_ok = [n for n in lowered if n.count("/") <= 1]
    if any(n.rsplit("/", 1)[-1] in ("data.pkl", "constants.pkl") for n in depth_ok):
        return "pytorch"
    if any(n.endswith("/data/version") or n == "version" for n in lowered) and any(
        n.endswith(".pkl") for n in lowered
    ):
        return "pytorch"
    if any(n.endswith(".data/extern_modules") for n in lowered):
        return "pytorch"  # torch.package
    root = {n for n in files if "/" not in n}
    if "config.json" in root:
        return "keras"  # keras.saving.load_model builds the model from it before any weights
    if all(n.endswith(".npy") for n in files):
        return "npz"
    if "saved_model.pb" in base and "keras_metadata.pb" not in base:
        return "zip"
    return "zip"


# a Keras model config (``config.json`` of a ``.keras`` archive, of a model folder that
# ``keras.saving.load_model`` or ``hf://`` loads, of a keras-hub preset): a JSON object
# with a "class_name" string and a nested "config"; ``"_class_name"`` (diffusers) differs
_KERAS_CLASS_NAME = re.compile(rb'"class_name"\s*:\s*"')
_KERAS_CONFIG = re.compile(rb'"config"\s*:\s*[{\[]')


def is_keras_config(head: bytes) -> bool:
    """A JSON Keras model config, from its first bytes."""
    return (
        head.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] == b"{"
        and _KERAS_CLASS_NAME.search(head) is not None
        and _KERAS_CONFIG.search(head) is not None
    )


def _has_trailing_zip(fh: BinaryIO, head: bytes, size: int) -> bool:
    """A ZIP with bytes prepended (self-extractor or polyglot) has its directory at the end."""
    return b"\x00" in head[:1024] and _end_record_in_tail(fh, size)


def _end_record_in_tail(fh: BinaryIO, size: int) -> bool:
    if size < 22:
        return False
    try:
        fh.seek(max(0, size - 22 - 65535))
        tail = fh.read()
    except OSError:
        return False
    return ZIP_END_MAGIC in tail


def _text_prefixed_zip(fh: BinaryIO, head: bytes, size: int) -> str | None:
    """A ZIP behind text (a shell stub, a comment): zipfile, and so Keras's load_model and
    numpy.load, find it from the end. Only a directory that reads, with a first member
    whose local header is in place, counts: text that merely mentions the end-record
    signature stays text."""
    from chainward.models import zipread

    if b"\x00" in head[:1024] or not _end_record_in_tail(fh, size):
        return None  # binary heads were handled above; no end record, no archive
    try:
        index = zipread.read_index(fh, size, max_entries=4096)
        if not index.entries:
            return None
        zipread.read_local_header(fh, index.entries[0])
    except (zipread.ZipFormatError, OSError, struct.error, OverflowError, ValueError):
        return None
    return classify_zip_names([e.name for e in index.entries])


def is_tar_header(head: bytes) -> bool:
    """A tar header: the ustar magic, or (pre-POSIX V7 and old GNU tars, which
    :mod:`tarfile` and so torch's legacy loader read) a header whose checksum holds."""
    if len(head) >= 263 and head[257:262] == b"ustar":
        return True
    if len(head) < 512 or not head[:1].strip(b"\x00"):
        return False
    field = head[148:156].split(b"\x00", 1)[0].strip()
    if not field or not all(48 <= c <= 55 for c in field):
        return False
    block = head[:148] + b" " * 8 + head[156:512]
    unsigned = sum(block)
    signed = unsigned - 256 * sum(1 for c in block if c >= 128)
    return int(field, 8) in (unsigned, signed)


def _tar_kind(head: bytes) -> str:
    name = head[:100].split(b"\x00", 1)[0]
    # torch's pre-zip "tar" checkpoints start with sys_info, then pickle, tensors, storages
    if name in (b"sys_info", b"./sys_info", b"storages", b"pickle", b"tensors"):
        return "pytorch"
    return "tar"


def _compressed_kind(kind: str, head: bytes) -> str | None:
    """Peek into a compressed head: a joblib pickle inside makes it ``joblib``."""
    import bz2
    import lzma

    try:
        if kind == "gzip":
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        elif kind == "zlib":
            inner = zlib.decompressobj().decompress(head, 4096)
        elif kind == "bz2":
            inner = bz2.BZ2Decompressor().decompress(head, 4096)
        elif kind == "xz":
            inner = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(head, 4096)
        else:
            inner = lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(head, 4096)
    except (OSError, zlib.error, lzma.LZMAError, EOFError, ValueError):
        return None
    if inner and _pickle_kind(inner) == "joblib":
        return "joblib"
    if kind in ("zlib", "lzma") and not inner:
        return None
    return kind


def _after_skippable(head: bytes) -> str | None:
    """zstd and LZ4 share skippable frames (magic 0x184D2A5?); the next frame names the format."""
    pos = 0
    for _ in range(16):
        if pos + 8 > len(head):
            return None
        if head[pos + 1 : pos + 4] == b"\x2a\x4d\x18" and head[pos] & 0xF0 == 0x50:
            pos += 8 + int.from_bytes(head[pos + 4 : pos + 8], "little")
            continue
        if head[pos : pos + 4] == ZSTD_MAGIC:
            return "zstd"
        if head[pos : pos + 4] in (LZ4_MAGIC, LZ4_LEGACY_MAGIC):
            return "lz4"
        return None
    return None


def _is_hdf5(fh: BinaryIO, head: bytes, size: int) -> bool:
    if head.startswith(HDF5_MAGIC):
        return True
    offset = 512  # a user block of any power-of-two size, as the HDF5 library searches
    while offset + 8 <= size:
        if offset + 8 <= len(head):
            chunk = head[offset : offset + 8]
        else:
            try:
                fh.seek(offset)
                chunk = fh.read(8)
            except OSError:
                return False
        if chunk == HDF5_MAGIC:
            return True
        offset *= 2
    return False


def _is_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack_from("<Q", head)
    if length < 2 or length > size - 8:
        return False
    return head[8:9] == b"{" and head[9:10] in b'"} \t\r\n'


# ---------------------------------------------------------------- pickle probe

# opcode -> (argument kind, pops, pushes); kind: None, int width, "len1"/"len4"/"len8",
# "line", "2lines"; pops == -1 means "everything down to the last MARK".
PICKLE_OPS: dict[int, tuple[object, int, int]] = {
    ord("("): (None, 0, 0),
    ord("."): (None, 1, 0),
    ord("0"): (None, 1, 0),
    ord("1"): (None, -1, 0),
    ord("2"): (None, 1, 2),
    ord("F"): ("line", 0, 1),
    ord("I"): ("line", 0, 1),
    ord("J"): (4, 0, 1),
    ord("K"): (1, 0, 1),
    ord("L"): ("line", 0, 1),
    ord("M"): (2, 0, 1),
    ord("N"): (None, 0, 1),
    ord("P"): ("line", 0, 1),
    ord("Q"): (None, 1, 1),
    ord("R"): (None, 2, 1),
    ord("S"): ("line", 0, 1),
    ord("T"): ("len4", 0, 1),
    ord("U"): ("len1", 0, 1),
    ord("V"): ("line", 0, 1),
    ord("X"): ("len4", 0, 1),
    ord("a"): (None, 2, 1),
    ord("b"): (None, 2, 1),
    ord("c"): ("2lines", 0, 1),
    ord("d"): (None, -1, 1),
    ord("}"): (None, 0, 1),
    ord("e"): (None, -1, 0),
    ord("g"): ("line", 0, 1),
    ord("h"): (1, 0, 1),
    ord("i"): ("2lines", -1, 1),
    ord("j"): (4, 0, 1),
    ord("l"): (None, -1, 1),
    ord("]"): (None, 0, 1),
    ord("o"): (None, -1, 1),
    ord("p"): ("line", 1, 1),
    ord("q"): (1, 1, 1),
    ord("r"): (4, 1, 1),
    ord("s"): (None, 3, 1),
    ord("t"): (None, -1, 1),
    ord(")"): (None, 0, 1),
    ord("u"): (None, -1, 0),
    ord("G"): (8, 0, 1),
    0x80: (1, 0, 0),
    0x81: (None, 2, 1),
    0x82: (1, 0, 1),
    0x83: (2, 0, 1),
    0x84: (4, 0, 1),
    0x85: (None, 1, 1),
    0x86: (None, 2, 1),
    0x87: (None, 3, 1),
    0x88: (None, 0, 1),
    0x89: (None, 0, 1),
    0x8A: ("len1", 0, 1),
    0x8B: ("len4", 0, 1),
    ord("B"): ("len4", 0, 1),
    ord("C"): ("len1", 0, 1),
    0x8C: ("len1", 0, 1),
    0x8D: ("len8", 0, 1),
    0x8E: ("len8", 0, 1),
    0x8F: (None, 0, 1),
    0x90: (None, -1, 0),
    0x91: (None, -1, 1),
    0x92: (None, 3, 1),
    0x93: (None, 2, 1),
    0x94: (None, 1, 1),
    0x95: (8, 0, 0),
    0x96: ("len8", 0, 1),
    0x97: (None, 0, 1),
    0x98: (None, 1, 1),
}
_CALL_OPS = frozenset(b"Rio\x81\x92")
_SIZE_WIDTHS = {"len1": 1, "len4": 4, "len8": 8}
# every opcode an unpickler accepts on an empty stack (no PROTO needed in front); PERSID
# and NEXT_BUFFER load where the loader has a persistent_load or buffers
_FIRST_OPS = frozenset(b"(cdl}])IJKLMNPSTUVXFGBC\x80\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x95\x96\x97")


def _pickle_kind(head: bytes, size: int | None = None) -> str | None:
    """Walk the opcodes in ``head``; a consistent prefix of a pickle names the format."""
    first = head[0]
    if first not in _FIRST_OPS or (first == 0x80 and (len(head) < 2 or head[1] > 5)):
        return None
    if first == 0x80 and b"joblib.numpy_pickle" in head:
        # raw array bytes follow each NumpyArrayWrapper, so the opcode walk would stop there
        return "joblib"
    if not _plausible_pickle(head, size):
        return None
    if _torch_legacy_magic(head):
        return "pytorch"
    return "pickle"


# how far to look for the end of a first line longer than the head (a loader reads
# lines of any length; past this the stream is taken for a pickle unread)
LONG_LINE_SEARCH = 1 << 30
_TEXT_STARTS = {ord("V"): b"V\n", ord("S"): b"S''\n"}


def _pickle_after_long_first_line(fh: BinaryIO, head: bytes, size: int) -> str | None:
    """``V`` or ``S'`` + a string longer than the head + a newline + a pickle's opcodes:
    the real unpickler reads the line, however long, and goes on. The opcodes after
    the line decide, with the string shortened (plain text starting with V has none)."""
    short = _TEXT_STARTS.get(head[0])
    if short is None or len(head) < HEAD_SIZE or size <= len(head) or b"\n" in head:
        return None
    if head[0] == ord("S") and head[1:2] not in (b"'", b'"'):
        return None
    fh.seek(len(head))
    position = len(head)
    while position < min(size, LONG_LINE_SEARCH):
        chunk = fh.read(1 << 20)
        if not chunk:
            return None
        newline = chunk.find(b"\n")
        if newline >= 0:
            fh.seek(position + newline + 1)
            rest = fh.read(HEAD_SIZE)
            return "pickle" if rest and _plausible_pickle(short + rest) else None
        position += len(chunk)
    return "pickle" if size > LONG_LINE_SEARCH else None


def _torch_legacy_magic(head: bytes) -> bool:
    """torch.save(_use_new_zipfile_serialization=False) pickles its magic number first,
    with the caller's ``pickle_protocol`` (2 by default; 4 and 5 put a FRAME in front)."""
    if head[:1] != b"\x80" or len(head) < 2 or not 2 <= head[1] <= 5:
        return False
    pos = 2
    if head[pos : pos + 1] == b"\x95":  # FRAME + 8-byte length
        pos += 9
    if head[pos : pos + 2] != b"\x8a\x0a":  # LONG1 of 10 bytes
        return False
    return int.from_bytes(head[pos + 2 : pos + 12], "little") == TORCH_LEGACY_MAGIC


# random bytes stop parsing as opcodes within a few; walking the whole 8 KB head of a
# real pickle opcode by opcode cost more than detecting every other format
_ENOUGH_OPS = 256
# a text pickle as long as the head, consistent for this many opcodes
_ENOUGH_TEXT_OPS = 64


_FIXED, _SIZED, _LINE, _TWO_LINES = range(4)
# PICKLE_OPS as (argument kind, width, pops, pushes), decoded once: the probe runs on every file
_STEPS: dict[int, tuple[int, int, int, int]] = {
    op: (
        _FIXED
        if kind is None or isinstance(kind, int)
        else _SIZED
        if kind in _SIZE_WIDTHS
        else _LINE
        if kind == "line"
        else _TWO_LINES,
        kind if isinstance(kind, int) else _SIZE_WIDTHS.get(str(kind), 0),
        pops,
        pushes,
    )
    for op, (kind, pops, pushes) in PICKLE_OPS.items()
}
_MARK, _STOP, _POP, _PROTO, _OBJ, _TEXT_STRING, _TEXT_UNICODE = b"(.0\x80oSV"
_NEED_ONE_BELOW = frozenset(b"eu\x90")  # APPENDS, SETITEMS, ADDITEMS: a container under MARK
_GLOBAL_OPS = frozenset(b"ci\x93")
_OPENERS = b"(]})"


def _plausible_pickle(data: bytes, size: int | None = None) -> bool:
    """True if ``data`` parses as opcodes with a sane stack up to STOP or its end.

    ``size``, when known, is the whole stream's length: a first literal longer than the
    head is a pickle if the stream holds all of it (pickle.loads needs no PROTO first).
    """
    pos = 0
    count = 0  # items above the innermost MARK
    marks: list[int] = []
    ops = 0
    end = len(data)
    binary = data[0] == _PROTO
    globals_seen = False
    called = False  # a global was looked up and then called: the loader already ran code
    steps = _STEPS
    while pos < end:
        if binary and ops >= _ENOUGH_OPS:
            return True  # a binary protocol and hundreds of consistent opcodes
        op = data[pos]
        pos += 1
        ops += 1
        step = steps.get(op)
        if step is None:
            return called
        kind, width, pops, pushes = step
        if kind == _FIXED:
            if op == _PROTO and pos < end and data[pos] > 5:
                return False
            pos += width
        elif kind == _SIZED:
            if pos + width > end:
                break
            pos += width + int.from_bytes(data[pos : pos + width], "little")
            if pos > end:
                opened = data[0] in _OPENERS or globals_seen  # a text/protocol-1 pickle's start
                whole_first = ops == 1 and size is not None and pos <= size
                if binary or (ops >= 2 and opened) or whole_first:
                    # a literal longer than the head (pickle.dumps((big_bytes, obj)) writes
                    # PROTO + BINBYTES first, outside any frame): nothing contradicts a pickle
                    return True
        elif kind == _LINE:
            nl = data.find(b"\n", pos)
            if nl < 0 and (_cut_by_head(end, ops) or _blank_padded_number(op, data[pos:], end)):
                return True
            if nl < 0:
                # protocol 0 writes a long string on one line: "(V" + text past the head
                long_text = op == _TEXT_UNICODE or (
                    op == _TEXT_STRING and data[pos : pos + 1] in b"'\""
                )
                opened = data[0] == _MARK or globals_seen
                return long_text and ops >= 2 and opened and end >= HEAD_SIZE
            if not _plausible_line(op, data[pos:nl]):
                return False
            pos = nl + 1
        else:
            for _ in range(2):
                nl = data.find(b"\n", pos)
                if nl < 0:
                    return _cut_by_head(end, ops)
                if not _is_identifier_path(data[pos:nl]):
                    return called
                pos = nl + 1
        if op == _MARK:
            marks.append(count)
            count = 0
            continue
        if pops == -1:
            if not marks:
                return called
            inner = count
            count = marks.pop()
            if op in _NEED_ONE_BELOW and count < 1:
                return called
            if op == _OBJ and inner < 1:
                return called
        elif count < pops:
            if not (op == _POP and marks):
                return called
            count = marks.pop()
            continue
        else:
            count -= pops
        count += pushes
        if op in _CALL_OPS and globals_seen:
            called = True
        if op in _GLOBAL_OPS:
            globals_seen = True
        if op == _STOP:
            return ops >= 2
    # a binary protocol announces itself; a text pickle must show its STOP (or be long)
    return called or (ops >= 3 and (binary or (len(data) >= HEAD_SIZE and ops >= _ENOUGH_TEXT_OPS)))


# int() refuses more digits than this by default (sys.int_info.default_max_str_digits)
_MAX_INT_DIGITS = 4300 + 2
_NUMBER_CHARS = frozenset(b"0123456789+-_.eEL")
_NUMBER_OPS = frozenset(b"ILFgp")  # INT, LONG, FLOAT, GET, PUT: one number per line


def _cut_by_head(end: int, ops: int) -> bool:
    """A text (protocol 0) pickle whose head ends inside an argument line: dozens of
    consistent opcodes before the cut are as good as the STOP the head cannot show."""
    return end >= HEAD_SIZE and ops >= _ENOUGH_TEXT_OPS


def _blank_padded_number(op: int, arg: bytes, end: int) -> bool:
    """``F`` + thousands of blanks + ``1`` loads (float() strips them): a number line
    that runs past a full head is a pickle as long as all of it is blanks and digits."""
    if op not in _NUMBER_OPS or end < HEAD_SIZE:
        return False
    return all(c in _NUMBER_CHARS or c in b" \t" for c in arg)


def _plausible_line(op: int, arg: bytes) -> bool:
    if op in _NUMBER_OPS:
        # pickle.c parses these leniently (strtol/strtod: blanks, signs, "inf", "nan"):
        # a short printable line is enough here, the pickle machine decides the rest
        if 0 < len(arg) < 64:
            return all(32 <= c < 127 or c == 9 for c in arg)
        # a long one is a number (Python 2 longs, 2**256 written out) or blanks before one
        digits = arg.strip(b" \t")
        return 0 < len(digits) <= _MAX_INT_DIGITS and all(c in _NUMBER_CHARS for c in digits)
    if op == ord("S"):
        return len(arg) >= 2 and arg[:1] in b"'\"" and arg[-1:] == arg[:1]
    return True


def _is_identifier_path(text: bytes) -> bool:
    if not text or len(text) > 512:
        return False
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(part.isidentifier() for part in decoded.split("."))


# ---------------------------------------------------------------- protobuf sniffing

_ONNX_FIELDS = {1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2}
_SAVEDMODEL_FIELDS = {1: 0, 2: 2}
_METAGRAPH_FIELDS = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2}
_GRAPHDEF_FIELDS = {1: 2, 2: 2, 3: 0, 4: 2}
_NODEDEF_FIELDS = frozenset(range(1, 8))
_LIBRARY_FIELDS = frozenset({1, 2, 3})


# saved_model.pbtxt: TensorFlow loads the text format when saved_model.pb is absent
_TEXT_SAVED_MODEL = rb"\A\s*(?:#[^\n]*\n\s*)*(?:saved_model_schema_version\s*:|meta_graphs\s*[:{])"


def is_text_saved_model(head: bytes) -> bool:
    return re.match(_TEXT_SAVED_MODEL, head) is not None  # compiled on first use, by re's cache


def _protobuf_kind(head: bytes, size: int) -> str | None:
    fields = _top_fields(head, size)
    if not fields:
        return None
    # each format's own fields must carry their wire types; fields a format does not
    # know are allowed everywhere, as protobuf keeps them and the loader reads on
    saved = {f[0]: f[1] for f in fields if f[0] in _SAVEDMODEL_FIELDS}
    if saved.get(2) == 2 and all(_SAVEDMODEL_FIELDS[n] == w for n, w in saved.items()):
        inner = next(f for f in fields if f[0] == 2)
        sub = [f for f in _top_fields(inner[2], inner[3]) if f[0] in _METAGRAPH_FIELDS]
        if sub and all(_METAGRAPH_FIELDS[f[0]] == f[1] for f in sub):
            return "tf-savedmodel"
    # ONNX: its own fields with their wire types; fields it does not know are allowed,
    # as protobuf keeps them and onnx.load reads on (a newer version's, or an attacker's)
    known = [f for f in fields if f[0] in _ONNX_FIELDS]
    onnx_wires = {f[0]: f[1] for f in known}
    if (
        all(_ONNX_FIELDS[f[0]] == f[1] for f in known)
        and (1 in onnx_wires or 7 in onnx_wires)
        and (7 in onnx_wires or 8 in onnx_wires or len(known) >= 3)
    ):
        return "onnx"
    graph = [f for f in fields if f[0] in _GRAPHDEF_FIELDS]
    if graph and all(_GRAPHDEF_FIELDS[f[0]] == f[1] for f in graph) and _graph_body(graph):
        return "tf-graphdef"
    return None


def _graph_body(graph: list[tuple[int, int, bytes, int]]) -> bool:
    """The first node (or function library) of a GraphDef looks like one. TensorFlow
    parses fields in any order, so ``versions`` or the library may come first and a
    NodeDef may give its ``op`` before its ``name``."""
    body = next((f for f in graph if f[0] in (1, 2)), None)
    if body is None:
        return False
    sub = _top_fields(body[2], body[3])
    if body[0] == 1:  # NodeDef: every field it knows is length-delimited; op = 2
        known = [f for f in sub if f[0] in _NODEDEF_FIELDS]
        return all(f[1] == 2 for f in known) and any(f[0] == 2 for f in known)
    # FunctionDefLibrary: function = 1, gradient = 2, registered_gradients = 3
    known = [f for f in sub if f[0] in _LIBRARY_FIELDS]
    return bool(known) and all(f[1] == 2 for f in known)


def _top_fields(data: bytes, total: int) -> list[tuple[int, int, bytes, int]]:
    """Top-level (field, wire type, payload, declared length) of a protobuf message.

    ``data`` may be a prefix of a ``total``-byte message; [] if it is not protobuf.
    """
    out: list[tuple[int, int, bytes, int]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        if key is None:
            break
        number, wire = key >> 3, key & 7
        if number == 0 or number > 1 << 20:
            return []
        if wire == 0:
            value, pos = _varint(data, pos)
            if value is None:
                break
            out.append((number, 0, b"", 0))
        elif wire == 2:
            length, pos = _varint(data, pos)
            if length is None:
                break
            if pos + length > total:
                return []
            out.append((number, 2, data[pos : pos + length], length))
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            out.append((number, wire, b"", 0))
        elif wire == 3:  # a group: protobuf keeps it as an unknown field and reads on
            pos = _group_end(data, pos, number)
            if pos < 0:
                return []
            out.append((number, 3, b"", 0))
        else:
            return []
    if pos > total:
        return []
    return out


def _group_end(data: bytes, pos: int, number: int) -> int:
    """Where the group opened for ``number`` ends (the end of ``data`` if the head ends
    first; -1 if it is malformed)."""
    try:
        return skip_group(data, pos, len(data), number)[0]
    except ProtobufTruncated:
        return len(data)
    except ProtobufError:
        return -1


def _varint(data: bytes, pos: int) -> tuple[int | None, int]:
    result = 0
    shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    return None, pos


__all__ = [
    "CONTAINER_FORMATS",
    "FORMATS",
    "classify_zip_names",
    "detect_bytes",
    "detect_format",
    "is_tar_header",
]

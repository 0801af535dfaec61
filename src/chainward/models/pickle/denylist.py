"""Known-dangerous names: used only to *name* a danger well and raise severity.

Detection never depends on this list (anything invoked that is not on an
allowlist is already unsafe); it turns "calls an unlisted callable" into
"runs a shell command" for the people reading the report.
"""

from __future__ import annotations

import functools

# module or module.name prefix -> what it does
DANGERS: dict[str, str] = {
    "os.system": "runs a shell command",
    "os.popen": "runs a shell command",
    "os.exec": "replaces the process with another program",
    "os.spawn": "starts a program",
    "os.posix_spawn": "starts a program",
    "os.fork": "forks the process",
    "os.remove": "deletes files",
    "os.unlink": "deletes files",
    "os.rmdir": "deletes directories",
    "os.removedirs": "deletes directories",
    "os.rename": "moves files",
    "os.putenv": "changes the environment",
    "os.kill": "kills processes",
    "os": "calls into the operating system (os module)",
    "posix": "calls into the operating system (posix module)",
    "nt": "calls into the operating system (nt module)",
    "_posixsubprocess": "starts a program",
    "subprocess": "starts a program (subprocess)",
    "pty": "starts a program in a pseudo-terminal",
    "builtins.eval": "evaluates Python code",
    "builtins.exec": "executes Python code",
    "builtins.compile": "compiles Python code",
    "builtins.__import__": "imports an arbitrary module",
    "builtins.open": "opens a file",
    "builtins.getattr": "looks up an arbitrary attribute",
    "builtins.setattr": "changes an arbitrary attribute",
    "builtins.delattr": "deletes an arbitrary attribute",
    "builtins.globals": "reaches interpreter globals",
    "builtins.locals": "reaches interpreter locals",
    "builtins.vars": "reaches an object's namespace",
    "builtins.input": "reads from the terminal",
    "builtins.breakpoint": "starts a debugger",
    "builtins.exit": "exits the interpreter",
    "builtins.quit": "exits the interpreter",
    "builtins.help": "starts the interactive help (pydoc)",
    "builtins.print": "writes to the terminal",
    "builtins.type": "creates classes at load time",
    "builtins.apply": "calls an arbitrary function",
    "builtins.execfile": "executes a file",
    "builtins.file": "opens a file",
    "builtins.reload": "reloads a module",
    "io.open": "opens a file",
    "_io.open": "opens a file",
    "io.FileIO": "opens a file",
    "_io.FileIO": "opens a file",
    "codecs.open": "opens a file",
    "fileinput": "reads files",
    "sys": "reaches interpreter internals (sys module)",
    "importlib": "imports an arbitrary module",
    "imp": "imports an arbitrary module",
    "pkgutil": "resolves or imports an arbitrary name",
    "pydoc": "resolves an arbitrary name (pydoc.locate)",
    "runpy": "runs a module or script",
    "code": "runs Python code interactively",
    "codeop": "compiles Python code",
    "pdb": "starts a debugger",
    "bdb": "starts a debugger",
    "timeit": "executes Python code strings",
    "trace": "executes Python code",
    "profile": "executes Python code strings",
    "cProfile": "executes Python code strings",
    "doctest": "executes Python code from docstrings",
    "operator.attrgetter": "looks up an arbitrary attribute",
    "operator.methodcaller": "calls an arbitrary method",
    "operator.itemgetter": "looks up arbitrary items",
    "operator": "applies arbitrary operators",
    "_operator": "applies arbitrary operators",
    "functools.partial": "builds a call to an arbitrary function",
    "functools.reduce": "calls a function repeatedly",
    "functools": "wraps an arbitrary function",
    "types.FunctionType": "builds a function from code",
    "types.CodeType": "builds a code object",
    "types.MethodType": "binds an arbitrary method",
    "marshal": "loads code objects",
    "pickle": "unpickles nested data (another pickle)",
    "_pickle": "unpickles nested data (another pickle)",
    "cPickle": "unpickles nested data (another pickle)",
    "dill": "unpickles code (dill)",
    "cloudpickle": "unpickles code (cloudpickle)",
    "shelve": "opens a pickle database",
    "joblib.load": "unpickles another file",
    "torch.load": "loads another pickle",
    "torch.hub": "downloads and runs code (torch.hub)",
    "torch.jit": "loads TorchScript code",
    "torch.package": "loads packaged code",
    "torch.utils.collect_env": "runs shell commands (torch.utils.collect_env)",
    "torch.utils.cpp_extension": "compiles and loads native code",
    "torch._inductor": "compiles and runs generated code",
    "torch._dynamo": "compiles and runs generated code",
    "torch.distributed": "starts distributed processes",
    # their __setstate__ runs pickle.loads/dill.loads on the bytes in the state (BUILD)
    **{
        f"torch.utils.data.datapipes.datapipe._{kind}DataPipeSerializationWrapper": (
            "unpickles nested data from its state (pickle.loads or dill.loads)"
        )
        for kind in ("", "Iter", "Map")
    },
    "torch.serialization.load": "loads another pickle",
    "numpy.load": "loads a file (may unpickle)",
    "numpy.lib.npyio": "reads or writes files",
    "numpy.fromfile": "reads a file",
    "numpy.loadtxt": "reads a file",
    "numpy.genfromtxt": "reads a file",
    "numpy.save": "writes a file",
    "numpy.savetxt": "writes a file",
    "numpy.tofile": "writes a file",
    "numpy.memmap": "maps a file (mode 'w+' creates or overwrites it)",
    "numpy.core.memmap": "maps a file (mode 'w+' creates or overwrites it)",
    "numpy._core.memmap": "maps a file (mode 'w+' creates or overwrites it)",
    "numpy.testing": "runs test helpers (subprocess)",
    "numpy.f2py": "compiles and runs Fortran/C code",
    "numpy.distutils": "runs build commands",
    "numpy.ctypeslib": "loads native libraries",
    "numpy.__builtins__": "reaches builtins through numpy",
    "ctypes": "calls native code",
    "_ctypes": "calls native code",
    "cffi": "calls native code",
    "socket": "opens network connections",
    "_socket": "opens network connections",
    "ssl": "opens network connections",
    "asyncio": "runs subprocesses or network code (asyncio)",
    "http": "makes HTTP requests or runs a server",
    "urllib": "makes network requests",
    "urllib3": "makes network requests",
    "requests": "makes network requests",
    "httpx": "makes network requests",
    "aiohttp": "makes network requests",
    "ftplib": "opens FTP connections",
    "smtplib": "sends e-mail",
    "telnetlib": "opens telnet connections",
    "xmlrpc": "makes remote procedure calls",
    "webbrowser": "opens a browser (runs a program)",
    "antigravity": "opens a browser",
    "this": "prints on import",
    "shutil": "copies, moves or deletes files",
    "tempfile": "creates files",
    "glob": "lists files",
    "pathlib.Path.write_text": "writes a file",
    "pathlib.Path.write_bytes": "writes a file",
    "pathlib.Path.unlink": "deletes a file",
    "pathlib.Path.read_text": "reads a file",
    "tarfile": "extracts archives",
    "zipfile": "extracts archives",
    "multiprocessing": "starts processes",
    "concurrent": "starts threads or processes",
    "threading": "starts threads",
    "_thread": "starts threads",
    "signal": "changes signal handlers",
    "site": "changes the import system",
    "sysconfig": "reads build configuration",
    "platform": "runs commands (platform.popen)",
    "distutils": "runs build commands",
    "setuptools": "runs build commands",
    "pip": "installs packages",
    "venv": "creates environments",
    "ensurepip": "installs packages",
    "zipimport": "imports code from archives",
    "linecache": "reads source files",
    "inspect": "inspects interpreter internals",
    "gc": "reaches every live object",
    "mailcap": "runs commands from mailcap entries",
    "logging.config": "loads configuration that can run code",
    "uuid._popen": "runs a program",
    "uuid._get_command_stdout": "runs a program",
    "ntpath": "manipulates paths",
    "builtins": "calls a builtin",
    "__builtin__": "calls a builtin",
    "jinja2": "renders templates (code)",
    "mako": "renders templates (code)",
    "yaml": "loads YAML (may construct objects)",
    "keras": "loads Keras models (may run code)",
    "tensorflow": "runs TensorFlow operations",
    "pandas.read_pickle": "unpickles another file",
    "pandas.read_csv": "reads a file or URL",
    "pandas.io": "reads or writes files",
    "pandas.eval": "evaluates expressions",
    "mlflow": "loads and runs MLflow models",
    "sklearn.utils._testing": "runs scripts (test helpers)",
    "sklearn.externals": "vendored code",
    "sklearn.datasets": "downloads data",
    # ScoringMonitor/ProgressBar.__setstate__ connects to the pickled listener address
    # (multiprocessing.connection.Client) and opens a listener of its own
    "sklearn.callback": "connects to a pickled address or opens a listener (sklearn callbacks)",
    "idlelib": "runs the IDLE shell",
    "lib2to3": "rewrites source files",
    "spacy": "loads pipelines (may run code)",
    "transformers": "loads models (may run remote code)",
    "huggingface_hub": "downloads files",
    "itertools": "builds iterators that call functions (starmap, filterfalse)",
    "weakref.finalize": "calls a function when an object is collected",
    "atexit": "calls functions at interpreter exit",
    "py_compile": "compiles and writes files",
    "compileall": "compiles and writes files",
    "zipapp": "writes executable archives",
    "imaplib": "opens network connections",
    "poplib": "opens network connections",
    "nntplib": "opens network connections",
    "socketserver": "runs a network server",
    "wsgiref": "runs a network server",
    "logging.handlers": "writes files or sends logs over the network",
    "logging.FileHandler": "creates files",
    "sqlite3": "opens or creates database files",
    "dbm": "opens or creates database files",
    "mailbox": "reads or writes mailbox files",
    "unittest": "imports and runs test modules",
    "pstats": "loads marshal data from a file",
    "cgitb": "writes tracebacks to files",
    "mmap": "maps files into memory",
    "pathlib.Path.touch": "creates a file",
    "pathlib.Path.mkdir": "creates directories",
    "pathlib.Path.open": "opens a file",
    "pathlib.Path.rename": "moves a file",
    # classes whose own __new__ or __setstate__ does harm, so that pickle's default path
    # (NEWOBJ + BUILD, no call at all) is enough; tests/unit/models/test_setstate_gadgets.py
    "_multiprocessing": "creates or opens named semaphores (SemLock.__new__)",
    "_posixshmem": "opens or removes shared memory",
    "joblib.externals.loky": "starts processes or opens named semaphores (loky SemLock.__setstate__)",
    "fsspec.implementations.local.LocalFileOpener": "opens the file its state names (__setstate__)",
    "fsspec.caching.MMapCache": "creates and maps the file its state names (__setstate__)",
    "fontTools.ttLib.sfnt.SFNTReader": "opens the file its state names (__setstate__)",
    "matplotlib.dviread.PsfontsMap": "opens the file named by its argument (__new__)",
    "matplotlib.dviread._LuatexKpsewhich": "starts a program, luatex (__new__)",
    "blosc2.remote_ctable.RemoteCTable": "opens the remote URL named by its argument (__new__)",
}

# fix_imports names Python 2 pickles use for the same modules
for _py2, _py3 in {"commands": "subprocess", "popen2": "subprocess", "cPickle": "pickle"}.items():
    DANGERS.setdefault(_py2, DANGERS[_py3])


@functools.lru_cache(maxsize=4096)  # the same few names come up for every tensor
def danger_of(dotted: str) -> str | None:
    """What ``dotted`` (module.qualname) does if it is a known danger, else None.

    Every dotted suffix is tried, so ``torch.serialization.os.system`` (a hop
    through a module attribute) is still recognised as ``os.system``.
    """
    parts = dotted.split(".")
    if parts[0] in ("posix", "nt") and len(parts) > 1:
        parts = ["os", *parts[1:]]  # os.system pickles as posix.system on Linux
    for start in range(len(parts)):
        for end in range(len(parts), start, -1):
            key = ".".join(parts[start:end])
            if key in DANGERS and (start == 0 or end - start >= 2 or key in _BARE_OK):
                return DANGERS[key]
        if start == 0 and any(p.startswith("__") and p.endswith("__") for p in parts[1:]):
            return "reaches a dunder attribute"
    return None


# single-component names recognised even when reached through another module
_BARE_OK = frozenset({"os", "posix", "nt", "subprocess", "builtins", "sys", "importlib"})


__all__ = ["DANGERS", "danger_of"]

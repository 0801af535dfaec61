"""Write one project ("weather-api") as every lock format chainward reads.

The same dependency graph appears in poetry.lock (2.1), uv.lock (version 1, revision 2),
pdm.lock (4.5), pylock.toml (PEP 751, as uv exports it) and Pipfile.lock (spec 6), each
laid out exactly as the tool writes it, so the tests can check every reader against one
expectation. Digests are deterministic stand-ins (sha256 of the file name): the readers
check their shape, not their value. Run: python make_locks.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
INDEX = "https://example.invalid/simple"  # registry host names stay out of the repository
FILES = "https://files.example.invalid/packages"

# name -> (version, [(dep, marker)], group ("main"/"dev"/"cache"), python marker of the package)
GRAPH: dict[str, tuple[str, list[tuple[str, str]], str, str]] = {
    "fastapi": (
        "0.115.0",
        [("pydantic", ""), ("starlette", ""), ("typing-extensions", "")],
        "main",
        "",
    ),
    "starlette": ("0.38.6", [("anyio", "")], "main", ""),
    "anyio": (
        "4.6.0",
        [
            ("exceptiongroup", 'python_version < "3.11"'),
            ("idna", ""),
            ("sniffio", ""),
            ("typing-extensions", 'python_version < "3.11"'),
        ],
        "main",
        "",
    ),
    "pydantic": (
        "2.9.2",
        [("annotated-types", ""), ("pydantic-core", ""), ("typing-extensions", "")],
        "main",
        "",
    ),
    "pydantic-core": ("2.23.4", [("typing-extensions", "")], "main", ""),
    "annotated-types": ("0.7.0", [], "main", ""),
    "typing-extensions": ("4.12.2", [], "main", ""),
    "idna": ("3.10", [], "main", ""),
    "sniffio": ("1.3.1", [], "main", ""),
    "exceptiongroup": ("1.2.2", [], "main", 'python_version < "3.11"'),
    "httpx": (
        "0.27.2",
        [("anyio", ""), ("certifi", ""), ("httpcore", ""), ("idna", ""), ("sniffio", "")],
        "main",
        "",
    ),
    "httpcore": ("1.0.6", [("certifi", ""), ("h11", "")], "main", ""),
    "h11": ("0.14.0", [], "main", ""),
    "certifi": ("2024.8.30", [], "main", ""),
    "redis": ("5.1.1", [("async-timeout", 'python_full_version < "3.11.3"')], "cache", ""),
    "async-timeout": ("4.0.3", [], "cache", 'python_full_version < "3.11.3"'),
    "pytest": (
        "8.3.3",
        [
            ("colorama", 'sys_platform == "win32"'),
            ("exceptiongroup", 'python_version < "3.11"'),
            ("iniconfig", ""),
            ("packaging", ""),
            ("pluggy", ""),
            ("tomli", 'python_version < "3.11"'),
        ],
        "dev",
        "",
    ),
    "iniconfig": ("2.0.0", [], "dev", ""),
    "packaging": ("24.1", [], "dev", ""),
    "pluggy": ("1.5.0", [], "dev", ""),
    "tomli": ("2.0.2", [], "dev", 'python_version < "3.11"'),
    "colorama": ("0.4.6", [], "dev", 'sys_platform == "win32"'),
}
DIRECT = {"fastapi": ">=0.110,<0.116", "httpx": ">=0.27.0"}
EXTRAS = {"cache": {"redis": ">=5.0"}}
DEV = {"pytest": ">=8.2"}

PYPROJECT = """\
[project]
name = "weather-api"
version = "0.3.0"
description = "Forecast service"
requires-python = ">=3.10"
dependencies = [
    "fastapi>=0.110,<0.116",
    "httpx>=0.27.0",
]

[project.optional-dependencies]
cache = ["redis>=5.0"]

[dependency-groups]
dev = ["pytest>=8.2"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""

POETRY_PYPROJECT = """\
[project]
name = "weather-api"
version = "0.3.0"
description = "Forecast service"
requires-python = ">=3.10"
dependencies = [
    "fastapi (>=0.110,<0.116)",
    "httpx (>=0.27.0)",
]

[project.optional-dependencies]
cache = ["redis (>=5.0)"]

[tool.poetry.group.dev.dependencies]
pytest = "^8.2"

[build-system]
requires = ["poetry-core>=2.0.0,<3.0.0"]
build-backend = "poetry.core.masonry.api"
"""

PIPFILE = """\
[[source]]
url = "https://example.invalid/simple"
verify_ssl = true
name = "pypi"

[packages]
fastapi = ">=0.110,<0.116"
httpx = ">=0.27.0"
redis = {version = ">=5.0", markers = "python_version >= '3.8'"}

[dev-packages]
pytest = ">=8.2"

[requires]
python_version = "3.12"
"""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def files(name: str, version: str) -> tuple[str, str]:
    stem = name.replace("-", "_")
    return f"{stem}-{version}-py3-none-any.whl", f"{stem}-{version}.tar.gz"


def groups_of(name: str) -> list[str]:
    """Poetry/pdm groups: every group whose roots reach the package."""
    out = set()
    for root_set, group in ((DIRECT, "main"), (EXTRAS["cache"], "main"), (DEV, "dev")):
        seen, todo = set(), list(root_set)
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            todo += [d for d, _ in GRAPH[node][1]]
        if name in seen:
            out.add(group)
    return sorted(out)


def poetry_lock() -> str:
    out = [
        "# This file is automatically @generated by Poetry 2.1.1 and should not be changed by hand.\n"
    ]
    for name in sorted(GRAPH):
        version, deps, group, marker = GRAPH[name]
        wheel, sdist = files(name, version)
        out.append("[[package]]")
        out.append(f'name = "{name}"')
        out.append(f'version = "{version}"')
        out.append(f'description = "{name} library"')
        out.append(f"optional = {'true' if group == 'cache' else 'false'}")
        out.append('python-versions = ">=3.8"')
        out.append(f"groups = {json.dumps(groups_of(name))}")
        if marker:
            out.append(f"markers = {json.dumps(marker)}")
        out.append("files = [")
        for file in (wheel, sdist):
            out.append(f'    {{file = "{file}", hash = "sha256:{digest(file)}"}},')
        out.append("]")
        out.append("")
        if deps:
            out.append("[package.dependencies]")
            for dep, dep_marker in deps:
                spec = ">=1.0"
                if dep_marker:
                    out.append(
                        f'{dep} = {{version = "{spec}", markers = {json.dumps(dep_marker)}}}'
                    )
                else:
                    out.append(f'{dep} = "{spec}"')
            out.append("")
        if name == "pytest":
            out.append("[package.extras]")
            out.append('dev = ["argcomplete", "attrs (>=19.2)", "hypothesis (>=3.56)"]')
            out.append("")
    out.append("[extras]")
    out.append('cache = ["redis"]')
    out.append("")
    out.append("[metadata]")
    out.append('lock-version = "2.1"')
    out.append('python-versions = ">=3.10"')
    out.append(f'content-hash = "{digest("weather-api")}"')
    return "\n".join(out) + "\n"


def uv_lock() -> str:
    out = [
        "version = 1",
        "revision = 2",
        'requires-python = ">=3.10"',
        "resolution-markers = [",
        "    \"python_full_version >= '3.11.3'\",",
        "    \"python_full_version < '3.11.3'\",",
        "]",
        "",
    ]
    names = sorted([*GRAPH, "weather-api"])
    for name in names:
        if name == "weather-api":
            out += [
                "[[package]]",
                'name = "weather-api"',
                'version = "0.3.0"',
                'source = { editable = "." }',
                "dependencies = [",
            ]
            out += [f'    {{ name = "{d}" }},' for d in sorted(DIRECT)]
            out += ["]", "", "[package.optional-dependencies]", "cache = ["]
            out += ['    { name = "redis" },', "]", "", "[package.dev-dependencies]", "dev = ["]
            out += ['    { name = "pytest" },', "]", "", "[package.metadata]", "requires-dist = ["]
            out += [
                f'    {{ name = "{d}", specifier = "{s}" }},' for d, s in sorted(DIRECT.items())
            ]
            out += ['    { name = "redis", marker = "extra == \'cache\'", specifier = ">=5.0" },']
            out += ["]", 'provides-extras = ["cache"]', "", "[package.metadata.requires-dev]"]
            out += ['dev = [{ name = "pytest", specifier = ">=8.2" }]', ""]
            continue
        version, deps, _group, _marker = GRAPH[name]
        wheel, sdist = files(name, version)
        out += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            f'source = {{ registry = "{INDEX}" }}',
        ]
        if deps:
            out.append("dependencies = [")
            for dep, marker in deps:
                if marker:
                    quoted = marker.replace('"', "'")
                    out.append(f'    {{ name = "{dep}", marker = "{quoted}" }},')
                else:
                    out.append(f'    {{ name = "{dep}" }},')
            out.append("]")
        out.append(
            f'sdist = {{ url = "{FILES}/{sdist}", hash = "sha256:{digest(sdist)}", '
            f'size = 123456, upload-time = "2024-09-12T10:00:00.000Z" }}'
        )
        out.append("wheels = [")
        out.append(
            f'    {{ url = "{FILES}/{wheel}", hash = "sha256:{digest(wheel)}", '
            f'size = 65432, upload-time = "2024-09-12T10:00:00.000Z" }},'
        )
        out += ["]", ""]
    return "\n".join(out)


def pdm_lock() -> str:
    out = [
        "# This file is @generated by PDM.",
        "# It is not intended for manual editing.",
        "",
        "[metadata]",
        'groups = ["default", "cache", "dev"]',
        'strategy = ["inherit_metadata"]',
        'lock_version = "4.5.0"',
        f'content_hash = "sha256:{digest("pdm")}"',
        "",
        "[[metadata.targets]]",
        'requires_python = ">=3.10"',
        "",
    ]
    for name in sorted(GRAPH):
        version, deps, group, marker = GRAPH[name]
        wheel, sdist = files(name, version)
        groups = (
            ["cache"]
            if group == "cache"
            else (
                ["default", "dev"]
                if groups_of(name) == ["dev", "main"]
                else ["dev"]
                if groups_of(name) == ["dev"]
                else ["default"]
            )
        )
        out += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'requires_python = ">=3.8"',
            f'summary = "{name} library"',
            f"groups = {json.dumps(groups)}",
        ]
        if marker:
            out.append(f"marker = {json.dumps(marker)}")
        if deps:
            out.append("dependencies = [")
            for dep, dep_marker in deps:
                text = f"{dep}>=1.0" + (f"; {dep_marker}" if dep_marker else "")
                out.append(f"    {json.dumps(text)},")
            out.append("]")
        out.append("files = [")
        for file in (sdist, wheel):
            out.append(f'    {{file = "{file}", hash = "sha256:{digest(file)}"}},')
        out += ["]", ""]
    return "\n".join(out)


def pylock() -> str:
    out = [
        "# This file was autogenerated by uv via the following command:",
        "#    uv export --all-extras --all-groups --output-file=pylock.toml",
        'lock-version = "1.0"',
        'created-by = "uv"',
        'requires-python = ">=3.10"',
        "",
    ]
    for name in sorted(GRAPH):
        version, _deps, group, marker = GRAPH[name]
        wheel, sdist = files(name, version)
        out += ["[[packages]]", f'name = "{name}"', f'version = "{version}"']
        conditions = []
        if groups_of(name) == ["dev"]:
            conditions.append("'dev' in dependency_groups")
        if group == "cache":
            conditions.append("'cache' in extras")
        if marker:
            conditions.append(marker.replace('"', "'"))
        if conditions:
            out.append(f'marker = "{" and ".join(conditions)}"')
        out.append(f'index = "{INDEX}"')
        out.append(
            f'sdist = {{ url = "{FILES}/{sdist}", upload-time = 2024-09-12T10:00:00Z, '
            f'size = 123456, hashes = {{ sha256 = "{digest(sdist)}" }} }}'
        )
        out.append(
            f'wheels = [{{ url = "{FILES}/{wheel}", upload-time = 2024-09-12T10:00:00Z, '
            f'size = 65432, hashes = {{ sha256 = "{digest(wheel)}" }} }}]'
        )
        out.append("")
    return "\n".join(out)


def pipfile_lock() -> str:
    doc = {
        "_meta": {
            "hash": {"sha256": digest("Pipfile")},
            "pipfile-spec": 6,
            "requires": {"python_version": "3.12"},
            "sources": [{"name": "pypi", "url": INDEX, "verify_ssl": True}],
        },
        "default": {},
        "develop": {},
    }
    for name in sorted(GRAPH):
        version, _deps, _group, marker = GRAPH[name]
        wheel, sdist = files(name, version)
        entry: dict[str, object] = {
            "hashes": [f"sha256:{digest(sdist)}", f"sha256:{digest(wheel)}"],
            "index": "pypi",
        }
        if marker:
            entry["markers"] = marker.replace('"', "'")
        entry["version"] = f"=={version}"
        section = "develop" if groups_of(name) == ["dev"] else "default"
        doc[section][name] = entry  # type: ignore[index]
        if section == "default" and "dev" in groups_of(name):
            doc["develop"][name] = entry  # type: ignore[index]
    return json.dumps(doc, indent=4, sort_keys=True) + "\n"


def main() -> None:
    project = HERE / "projects"
    for sub, name, text in (
        ("poetry", "poetry.lock", poetry_lock()),
        ("uv", "uv.lock", uv_lock()),
        ("pdm", "pdm.lock", pdm_lock()),
        ("pylock", "pylock.toml", pylock()),
        ("pipenv", "Pipfile.lock", pipfile_lock()),
    ):
        (project / sub).mkdir(parents=True, exist_ok=True)
        (project / sub / name).write_text(text)
    (project / "poetry" / "pyproject.toml").write_text(POETRY_PYPROJECT)
    for sub in ("uv", "pdm", "pylock"):
        (project / sub / "pyproject.toml").write_text(PYPROJECT)
    (project / "pipenv" / "Pipfile").write_text(PIPFILE)


if __name__ == "__main__":
    main()

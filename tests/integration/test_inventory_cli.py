"""``chainward inventory`` through ``cli.main``: the JSON contract, formats, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import asset, run_cli

CONTRACT_COMPONENT = {"name", "version", "ecosystem", "purl", "scope", "source"}


def test_json_contract_on_a_project() -> None:
    result = run_cli("inventory", str(asset("inventory", "projects", "poetry")), "--format", "json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert set(doc) == {"components", "models", "skipped"}
    assert len(doc["components"]) == 22
    for comp in doc["components"]:
        assert set(comp) >= CONTRACT_COMPONENT
        assert comp["ecosystem"] == "PyPI"
        assert comp["source"].rsplit(":", 1)[1].isdigit()
    h11 = next(c for c in doc["components"] if c["name"] == "h11")
    assert h11["scope"] == "transitive" and h11["path"] == ["httpx", "httpcore", "h11"]
    assert h11["purl"] == "pkg:pypi/h11@0.14.0"


def test_models_and_skips_in_json(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask>=2\nsix==1.16.0\n")
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    (tmp_path / "model.safetensors").write_bytes(
        len(header).to_bytes(8, "little") + header + bytes(4)
    )
    result = run_cli("inventory", str(tmp_path), "-f", "json")
    assert result.code == 0
    doc = result.json()
    assert doc["skipped"] == [
        {
            "entry": "flask>=2",
            "reason": "not pinned to one exact version: cannot audit exactly (use --resolve)",
            "source": f"{tmp_path / 'requirements.txt'}:1",
        }
    ]
    assert [m["format"] for m in doc["models"]] == ["safetensors"]
    assert set(doc["models"][0]) == {"path", "format", "size", "sha256"}
    assert "cannot audit exactly" in result.stderr  # the skip is also a warning
    strict = run_cli("inventory", str(tmp_path), "-f", "json", "--strict")
    assert strict.code == 1


def test_requirement_option_and_default_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    req = tmp_path / "deps.list"
    req.write_text("six==1.16.0\n")
    result = run_cli("inventory", "-r", str(req), "-f", "json")
    assert [c["name"] for c in result.json()["components"]] == ["six"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text("attrs==23.2.0\n")
    result = run_cli("inventory", "-f", "json")
    assert [c["name"] for c in result.json()["components"]] == ["attrs"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "sarif"])
def test_other_formats(fmt: str) -> None:
    result = run_cli("inventory", str(asset("inventory", "django-app")), "--format", fmt)
    assert result.code == 0, result.stderr
    if fmt == "sarif":
        assert json.loads(result.stdout)["version"] == "2.1.0"
    else:
        assert "django" in result.stdout


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "inv.json"
    result = run_cli(
        "inventory", str(asset("inventory", "projects", "uv")), "-f", "json", "-o", str(out)
    )
    assert result.code == 0 and result.stdout == ""
    assert len(json.loads(out.read_text())["components"]) == 22


MALFORMED = {
    "requirements.txt": "six==1.16.0\nnot a valid requirement !!\n",
    "pyproject.toml": "[project]\ndependencies = ['requests >>> 2']\n",
    "Pipfile": "[packages]\nrequests = 3\n",
    "poetry.lock": '[[package]]\nname = "x"\n',
    "Pipfile.lock": '{"_meta": {}, "default": [',
    "uv.lock": "version = 1\n[[package]\n",
    "pdm.lock": '[metadata]\nlock_version = "4"\n[[package]]\nname = 3\n',
    "pylock.toml": 'lock-version = "1.0"\n[[packages]]\nversion = "1"\n',
    "bom.json": '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [',
    "weird.json": '{"a": 1}',
    "binary.dat": "\x00\x01\x02\x03",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_exits_2_with_one_line(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(MALFORMED[name])
    result = run_cli("inventory", str(path), "-f", "json")
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("chainward: error: ")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--env", "--python", "python3"],
        ["--python-version", "three"],
        ["--platform", "amiga"],
        ["/definitely/not/here"],
        ["-r", "/definitely/not/here.txt"],
    ],
)
def test_bad_options_exit_2(args: list[str]) -> None:
    result = run_cli("inventory", *args)
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_sbom_file_as_target(tmp_path: Path) -> None:
    pytest.importorskip("chainward.inventory.sbom_in")
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {
                "type": "library",
                "bom-ref": "pkg:pypi/jinja2@3.1.2",
                "name": "Jinja2",
                "version": "3.1.2",
                "purl": "pkg:pypi/jinja2@3.1.2",
            },
        ],
    }
    path = tmp_path / "app.cdx.json"
    path.write_text(json.dumps(bom))
    result = run_cli("inventory", str(path), "-f", "json")
    assert result.code == 0, result.stderr
    assert [(c["name"], c["version"]) for c in result.json()["components"]] == [("jinja2", "3.1.2")]


def test_poetry_lock_1_1_layout(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.28.1"\ndescription = ""\n'
        'category = "main"\noptional = false\npython-versions = ">=3.7"\n\n'
        '[package.dependencies]\ncertifi = ">=2017.4.17"\n\n'
        '[[package]]\nname = "certifi"\nversion = "2022.9.24"\ndescription = ""\n'
        'category = "main"\noptional = false\npython-versions = ">=3.6"\n\n'
        '[[package]]\nname = "pytest"\nversion = "7.2.0"\ndescription = ""\n'
        'category = "dev"\noptional = false\npython-versions = ">=3.7"\n\n'
        '[metadata]\nlock-version = "1.1"\npython-versions = "^3.8"\ncontent-hash = "abc"\n\n'
        "[metadata.files]\nrequests = [\n"
        '    {file = "requests-2.28.1-py3-none-any.whl", hash = "sha256:' + "a" * 64 + '"},\n]\n'
        "certifi = []\npytest = []\n"
    )
    doc = run_cli("inventory", str(tmp_path), "-f", "json").json()
    comps = {c["name"]: c for c in doc["components"]}
    assert comps["requests"]["scope"] == "direct"
    assert comps["requests"]["hashes"] == ["sha256:" + "a" * 64]
    assert comps["certifi"]["scope"] == "transitive"
    assert comps["certifi"]["path"] == ["requests", "certifi"]
    assert comps["pytest"]["scope"] == "dev"


def test_inventory_json_reads_back_identically(tmp_path: Path) -> None:
    first = run_cli(
        "inventory",
        str(asset("inventory", "projects", "uv")),
        str(asset("inventory", "django-app")),
        "-f",
        "json",
    )
    saved = tmp_path / "inventory.json"
    saved.write_text(first.stdout)
    again = run_cli("inventory", str(saved), "-f", "json")
    assert again.code == 0, again.stderr
    assert again.json() == first.json()


@pytest.mark.parametrize(
    "doc",
    [
        {"components": [{"version": "1"}], "models": []},
        {"components": [{"name": "a", "scope": "sideways"}], "models": []},
        {"components": [], "models": [{"path": "m.pkl"}]},
        {"components": [{"name": "a", "hashes": ["nocolon"]}], "skipped": []},
    ],
)
def test_malformed_inventory_json(doc: dict[str, object], tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(doc))
    result = run_cli("inventory", str(path))
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_a_model_file_named_directly(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "tokenizer.bin"
    path.write_bytes(pickle.dumps({"vocab": list(range(100))}, protocol=4))
    doc = run_cli("inventory", str(path), "-f", "json").json()
    assert doc["components"] == [] and [m["format"] for m in doc["models"]] == ["pickle"]
    assert run_cli("inventory", str(path), "--no-models").code == 2

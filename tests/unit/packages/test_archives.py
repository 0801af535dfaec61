"""Whole-archive analysis: the committed corpus, carriers, metadata rules, the allow-list."""

from __future__ import annotations

import io
import json
import pickle
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from tests.conftest import asset

from chainward.errors import ConfigError
from chainward.packages import Checker, load_allowlist, verdict_for
from chainward.packages.archive import carriers
from chainward.packages.archive.metadata import absurd_version, filename_identity
from chainward.records import PackageVerdict, Severity

MALICIOUS = asset("packages", "malicious")
BENIGN = asset("packages", "benign")
MANIFEST = json.loads(asset("packages", "malicious.json").read_text())


@pytest.fixture(scope="module")
def code_only() -> Checker:
    """Archive rules alone: no name popularity, no advisory database."""
    return Checker(names=False, known_malicious=False)


def test_corpus_is_complete() -> None:
    files = sorted(p.name for p in MALICIOUS.iterdir())
    assert len(MANIFEST) == 28
    assert sorted(item["file"] for item in MANIFEST) == files
    assert len(sorted(BENIGN.glob("*.tar.gz"))) + len(sorted(BENIGN.glob("*.whl"))) >= 10


@pytest.mark.parametrize("sample", MANIFEST, ids=lambda s: s["file"])
def test_every_malicious_sample_is_flagged(code_only: Checker, sample: dict[str, str]) -> None:
    result = code_only.check_archive(MALICIOUS / sample["file"])
    assert result.verdict is not PackageVerdict.CLEAN, sample["attack"]
    assert all(f.location is not None for f in result.findings if f.rule != "typosquat")


@pytest.fixture(scope="module")
def with_names() -> Checker:
    return Checker(known_malicious=False)


@pytest.mark.parametrize(
    "archive", sorted(p.name for p in BENIGN.iterdir() if p.suffix in (".gz", ".whl"))
)
def test_real_benign_archives_are_clean(with_names: Checker, archive: str) -> None:
    start = time.process_time()
    result = with_names.check_archive(BENIGN / archive)
    assert result.verdict is PackageVerdict.CLEAN, [
        (f.rule, str(f.location), f.message) for f in result.findings
    ]
    assert time.process_time() - start < 5
    assert result.name and result.version and result.sha256


def test_findings_carry_evidence(code_only: Checker) -> None:
    result = code_only.check_archive(MALICIOUS / "colourama-0.4.7.tar.gz")
    top = result.findings[0]
    assert (top.rule, top.severity, str(top.location)) == (
        "decode-exec",
        Severity.CRITICAL,
        "setup.py:3",
    )
    assert top.evidence and "b64decode" in top.evidence
    assert top.properties["trigger"] == "install"


def test_names_are_checked_for_archives_too(with_names: Checker) -> None:
    result = with_names.check_archive(MALICIOUS / "djangoo-4.2.1.tar.gz")
    typo = [f for f in result.findings if f.rule == "typosquat"]
    assert typo and typo[0].properties["imitates"] == "django"


def test_pickle_globals() -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import subprocess

            return (subprocess.call, ("true",))

    data = pickle.dumps(Evil(), protocol=2)
    assert carriers.is_pickle(data)
    found = list(carriers.pickle_globals(data))
    assert any(carriers.dangerous_global(g) for g in found)
    assert not any(
        carriers.dangerous_global(g)
        for g in carriers.pickle_globals(pickle.dumps({"a": [1, 2.0]}, protocol=4))
    )
    assert list(carriers.pickle_globals(b"\x80\x04garbage")) == []


def test_media_tail() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20 + b"IEND\xaeB`\x82"
    assert carriers.media_tail("a.png", png) == 0
    assert carriers.media_tail("a.png", png + b"x" * 100) == 100
    wav = b"RIFF" + (8).to_bytes(4, "little") + b"WAVEdata"
    assert carriers.media_tail("a.wav", wav + b"y" * 10) == 10


def _wheel(tmp_path: Path, filename: str, metadata: str, files: dict[str, str]) -> Path:
    path = tmp_path / filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x-1.0.dist-info/METADATA", metadata)
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_metadata_rules(tmp_path: Path, code_only: Checker) -> None:
    meta = (
        "Metadata-Version: 2.1\nName: acme-private-sdk\nVersion: 99.1.0\n"
        "Home-page: https://github.com/psf/requests\n"
        "Requires-Dist: helper @ https://127.0.0.1/helper.tar.gz\n\n"
    )
    path = _wheel(tmp_path, "other_name-1.0-py3-none-any.whl", meta, {"x/__init__.py": ""})
    rules = {f.rule for f in code_only.check_archive(path).findings}
    assert {
        "metadata-mismatch",
        "dependency-confusion",
        "direct-url-dependency",
        "borrowed-description",
        "empty-description",
    } <= rules


def test_sdist_with_executable_and_pyc(tmp_path: Path, code_only: Checker) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in {
            "p-1.0/PKG-INFO": b"Metadata-Version: 2.1\nName: p\nVersion: 1.0\nSummary: s\n",
            "p-1.0/p/__init__.py": b"",
            "p-1.0/p/helper.bin": b"\x7fELF" + b"\0" * 60,
            "p-1.0/p/__pycache__/core.cpython-311.pyc": b"\xa7\r\r\n" + b"exec" * 4,
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "p-1.0.tar.gz"
    path.write_bytes(buffer.getvalue())
    rules = {f.rule for f in code_only.check_archive(path).findings}
    assert {"bundled-executable", "sourceless-bytecode"} <= rules


def test_absurd_versions_and_file_names() -> None:
    assert absurd_version("99.0.0") and absurd_version("9000") and absurd_version("100.1")
    assert not absurd_version("2024.1.0") and not absurd_version("3.2") and not absurd_version(None)
    assert filename_identity("typing_extensions-4.1.0-py3-none-any.whl") == (
        "typing-extensions",
        "4.1.0",
    )
    assert filename_identity("random.bin") is None


def test_verdicts() -> None:
    from chainward.packages.rules import finding

    assert verdict_for([]) is PackageVerdict.CLEAN
    assert verdict_for([finding("empty-description", "x")]) is PackageVerdict.CLEAN
    assert verdict_for([finding("archive-link", "x")]) is PackageVerdict.SUSPICIOUS
    assert verdict_for([finding("decode-exec", "x")]) is PackageVerdict.MALICIOUS


def test_allow_list_suppresses_exact_findings_only(tmp_path: Path) -> None:
    sample = MALICIOUS / "acme-internal-billing-99.0.0.tar.gz"
    plain = Checker(names=False, known_malicious=False).check_archive(sample)
    allow = tmp_path / "allow.toml"
    allow.write_text(
        '[[allow]]\npackage = "Acme_Internal_Billing"\nversion = "99.0.0"\n'
        'rule = "install-network"\nfile = "setup.py"\nreason = "reviewed"\n'
        f'[[allow]]\npackage = "acme-internal-billing"\nsha256 = "{plain.sha256}"\n'
        'rule = "dependency-confusion"\nfile = "PKG-INFO"\n'
    )
    checker = Checker(names=False, known_malicious=False, allow=load_allowlist(allow))
    result = checker.check_archive(sample)
    assert {f.rule for f in result.suppressed} == {"install-network", "dependency-confusion"}
    assert result.verdict is PackageVerdict.CLEAN
    # the same entries do not cover another version or another file
    other = tmp_path / "other.toml"
    other.write_text(
        '[[allow]]\npackage = "acme-internal-billing"\nversion = "1.0"\n'
        'rule = "install-network"\nfile = "setup.py"\n'
    )
    checker = Checker(names=False, known_malicious=False, allow=load_allowlist(other))
    assert checker.check_archive(sample).verdict is PackageVerdict.SUSPICIOUS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[allow]]\npackage = "x"\nversion = "1"\nrule = "r"\nfile = "tests/*"\n', "pattern"),
        ('[[allow]]\npackage = "x"\nrule = "r"\nfile = "a.py"\n', "version"),
        ('[[allow]]\npackage = "x"\nsha256 = "abc"\nrule = "r"\nfile = "a.py"\n', "sha256"),
        ('[[allow]]\nversion = "1"\nrule = "r"\n', "package"),
        ('[[allow]]\npackage = "x"\nversion = "1"\nrule = "r"\npath = "a"\n', "unknown"),
        ("not toml [", "TOML"),
    ],
)
def test_allow_list_validation(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "allow.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_allowlist(path)

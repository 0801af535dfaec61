from __future__ import annotations

from pathlib import Path

from chainward.audit import audit
from chainward.audit.fix import apply_fixes, plan_fixes
from chainward.records import Component, Inventory, Provenance
from chainward.vulndb import SqliteAdvisoryStore


def _component(name: str, version: str, path: Path, line: int = 1) -> Component:
    return Component(name, version, source=Provenance(str(path), line))


def test_requirements_pins_are_rewritten_keeping_everything_else(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    req = tmp_path / "requirements.txt"
    original = (
        "# pinned\nPyYAML == 5.3  # yaml\njinja2[i18n]==2.10 ; python_version>'3'\n"
        "requests>=2\nnot-jinja2==2.10\n"
    )
    req.write_text(original)
    inventory = Inventory((_component("pyyaml", "5.3", req), _component("jinja2", "2.10", req)))
    result = audit(inventory, store)
    plan = plan_fixes(result.vulnerable)
    diff = plan.diff()
    assert "-PyYAML == 5.3  # yaml" in diff and "+PyYAML == 5.4  # yaml" in diff
    assert req.read_text() == original  # planning changes nothing
    apply_fixes(plan)
    text = req.read_text()
    fixed = {d.component.name: d.fix_version for d in result.vulnerable}
    assert f"jinja2[i18n]=={fixed['jinja2']} ; python_version>'3'" in text
    assert "not-jinja2==2.10" in text and "# pinned" in text and "requests>=2" in text
    after = audit(
        Inventory(
            (_component("pyyaml", fixed["pyyaml"], req), _component("jinja2", fixed["jinja2"], req))
        ),
        store,
    )
    assert after.findings == ()


def test_pyproject_and_lock_files(store: SqliteAdvisoryStore, tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = [\n  "urllib3==1.24.2",\n]\n')
    lock = tmp_path / "poetry.lock"
    lock.write_text('[[package]]\nname = "jinja2"\nversion = "2.10"\n')
    inventory = Inventory(
        (_component("urllib3", "1.24.2", pyproject), _component("jinja2", "2.10", lock))
    )
    result = audit(inventory, store)
    plan = plan_fixes(result.vulnerable)
    apply_fixes(plan)
    fix = next(d.fix_version for d in result.vulnerable if d.component.name == "urllib3")
    assert f'"urllib3=={fix}"' in pyproject.read_text()
    assert lock.read_text().count("2.10") == 1  # lock files are never edited
    assert any("regenerate" in w for w in plan.warnings)


def test_malicious_packages_are_not_fixed(store: SqliteAdvisoryStore, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("pytorchh==1.0\n")
    result = audit(Inventory((_component("pytorchh", "1.0", req),)), store)
    plan = plan_fixes(result.vulnerable)
    assert plan.edits == () and any("malicious" in w for w in plan.warnings)

from __future__ import annotations

import json
from pathlib import Path

from chainward.sbom.modelcard import front_matter, hf_cache_location, read_facts
from tests.conftest import asset

REV = "0123456789abcdef0123456789abcdef01234567"


def test_facts_come_from_config_and_front_matter() -> None:
    facts = read_facts(asset("sbom", "project", "models", "sentiment"))
    assert facts.architectures == ("DistilBertForSequenceClassification",)
    assert facts.model_type == "distilbert"
    assert facts.task == "text-classification"
    assert facts.license == "apache-2.0"
    assert facts.datasets == ("stanfordnlp/sst2",)
    assert facts.base_models == ("distilbert/distilbert-base-uncased",)
    assert [s.role for s in facts.sources] == ["config", "readme"]
    assert all(len(s.sha256) == 64 for s in facts.sources)


def test_nothing_is_invented_for_a_bare_folder(tmp_path: Path) -> None:
    facts = read_facts(tmp_path)
    assert not facts.has_card
    assert facts.license is None and facts.hf_repo is None and facts.sources == ()


def test_yaml_aliases_are_refused() -> None:
    bomb = "---\na: &a [x, x, x]\nb: [*a, *a, *a]\nlicense: mit\n---\n"
    assert front_matter(bomb) == {}


def test_malformed_front_matter_and_config_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: [unclosed\n---\n")
    (tmp_path / "config.json").write_text("{not json")
    facts = read_facts(tmp_path)
    assert not facts.has_card and facts.license is None
    assert len(facts.sources) == 2  # still hashed: they are part of the model


def test_oversized_config_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "x", "pad": "y" * (5 << 20)}))
    assert read_facts(tmp_path).model_type is None


def test_hf_cache_layout_gives_repo_and_revision(tmp_path: Path) -> None:
    path = tmp_path / "hub" / "models--org--tiny-bert" / "snapshots" / REV / "model.safetensors"
    assert hf_cache_location(path) == ("org/tiny-bert", REV)
    assert hf_cache_location(tmp_path / "snapshots" / "main" / "x") is None
    assert hf_cache_location(tmp_path / "datasets--a--b" / "snapshots" / REV / "x") is None

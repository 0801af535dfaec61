from __future__ import annotations

import json
from pathlib import Path

from chainward.records import Component, Provenance
from chainward.sbom.content import Subject, build_content
from chainward.sbom.envmeta import enrich_component


def _dist_info(root: Path, name: str, metadata: str, direct_url: dict | None = None) -> Path:
    """A .dist-info folder as pip writes it (METADATA headers, PEP 610 direct_url.json)."""
    path = root / f"{name}-1.0.dist-info"
    path.mkdir()
    (path / "METADATA").write_text(metadata + "\n\nLong description body: License: GPL\n")
    if direct_url is not None:
        (path / "direct_url.json").write_text(json.dumps(direct_url))
    return path


def _component(name: str, dist_info: Path) -> Component:
    return Component(name, "1.0", purl=f"pkg:pypi/{name}@1.0", source=Provenance(str(dist_info)))


def test_license_and_author_from_headers_only(tmp_path: Path) -> None:
    info = _dist_info(
        tmp_path,
        "one",
        "Metadata-Version: 2.1\nName: one\nVersion: 1.0\n"
        'License: MIT License\nAuthor-email: "A. Person" <a@example.org>, b@example.org',
    )
    enriched = enrich_component(_component("one", info))
    assert enriched.licenses == ("MIT License",)
    assert enriched.author == "A. Person, b@example.org"


def test_local_folder_install_has_no_index_purl(tmp_path: Path) -> None:
    info = _dist_info(
        tmp_path,
        "mine",
        "Metadata-Version: 2.1\nName: mine\nVersion: 1.0",
        {"url": "file:///src/mine", "dir_info": {"editable": True}},
    )
    enriched = enrich_component(_component("mine", info))
    assert enriched.purl == "" and enriched.url == "file:///src/mine"
    content = build_content_for(enriched)
    assert content.packages[0].ref == "local:mine==1.0" and content.packages[0].purl == ""


def test_vcs_install_and_archive_hash(tmp_path: Path) -> None:
    vcs = _dist_info(
        tmp_path,
        "fromgit",
        "Metadata-Version: 2.1\nName: fromgit\nVersion: 1.0",
        {
            "url": "https://git.example.org/fromgit.git",
            "vcs_info": {"vcs": "git", "commit_id": "abc123"},
        },
    )
    assert enrich_component(_component("fromgit", vcs)).purl == (
        "pkg:pypi/fromgit@1.0?vcs_url=git%2Bhttps://git.example.org/fromgit.git%40abc123"
    )
    wheel = _dist_info(
        tmp_path,
        "wheel",
        "Metadata-Version: 2.1\nName: wheel\nVersion: 1.0",
        {
            "url": "file:///w/wheel-1.0-py3-none-any.whl",
            "archive_info": {"hashes": {"sha256": "AB" * 32}},
        },
    )
    assert enrich_component(_component("wheel", wheel)).hashes == (("sha256", "ab" * 32),)


def test_components_not_from_a_dist_info_are_unchanged(tmp_path: Path) -> None:
    component = Component("x", "1", source=Provenance("requirements.txt", 3))
    assert enrich_component(component) is component
    broken = tmp_path / "broken-1.0.dist-info"
    broken.mkdir()
    (broken / "direct_url.json").write_text("[[[")
    assert enrich_component(_component("broken", broken)).purl == "pkg:pypi/broken@1.0"


def build_content_for(component: Component):  # type: ignore[no-untyped-def]
    from chainward.records import Inventory

    return build_content(Inventory((component,)), Subject("s"))

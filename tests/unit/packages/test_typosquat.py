"""Typosquat and confusable names against the bundled popularity list."""

from __future__ import annotations

import time

import pytest

from chainward.packages.popular import load_popular
from chainward.packages.typosquat import TyposquatIndex, compact, skeleton


@pytest.fixture(scope="module")
def index() -> TyposquatIndex:
    return TyposquatIndex(load_popular())


def test_bundled_list_is_the_shared_one() -> None:
    from tests.conftest import SHARED

    ranks = load_popular()
    assert len(ranks) == 14985
    assert ranks["boto3"] == 1
    shared = (SHARED / "popular" / "pypi-top.tsv").read_text().splitlines()[1:]
    assert {line.split("\t")[0] for line in shared} == set(ranks)


@pytest.mark.parametrize(
    ("name", "imitates", "technique"),
    [
        ("reqeusts", "requests", "typo"),  # transposition
        ("requezts", "requests", "typo"),  # neighbouring key
        ("rrequests", "requests", "typo"),  # doubled letter
        ("urlib3", "urllib3", "typo"),  # dropped double letter
        ("req7ests", "requests", "typo"),  # digit for a letter
        ("matlibplot", "matplotlib", "typo"),  # letters reordered
        ("jeIlyfish", "jellyfish", "homoglyph"),  # capital I for l
        ("pyt0rch-lightning", "pytorch-lightning", "homoglyph"),
        ("djangorestframevvork", "djangorestframework", "homoglyph"),
        ("typing_extensions", None, None),  # PEP 503: the popular name itself
        ("python-dateutil", None, None),
        ("huggingfacehub", "huggingface-hub", "separator"),
        ("python3-flask", "flask", "affix"),
        ("urllib3loader", "urllib3", "affix"),
        ("stripe-client", "stripe", "affix"),
        ("torchvisions", "torchvision", "plural"),
        ("matplotlib-flask", "flask", "combo"),
        ("pandasrequest", "pandas", "combo"),
        ("dateutil-python", "python-dateutil", "order-swap"),
        ("urllib", "urllib", "stdlib"),
    ],
)
def test_detects(
    index: TyposquatIndex, name: str, imitates: str | None, technique: str | None
) -> None:
    match = index.check(name)
    if imitates is None:
        assert match is None
        return
    assert match is not None, name
    assert match.technique == technique
    assert match.imitates in (imitates, match.imitates if technique == "combo" else imitates)
    assert 0 < match.score <= 1


def test_combo_reports_both_parts(index: TyposquatIndex) -> None:
    match = index.check("matplotlib-flask")
    assert match is not None and "matplotlib" in match.detail and "flask" in match.detail


@pytest.mark.parametrize(
    "name",
    # legitimate unpopular names that look a bit like popular ones
    [
        "pytest-pandas-sugar",
        "django-qr-login",
        "flask-cors-extra",
        "sphinx-rtd-dark-mode",
        "types-requests-oauthlib-extra",
        "numpyencoder-x",
        "requests-oauthlib3-fork",
        "pyyaml-include-extra",
        "mypy-boto3-bedrock-agent-runtime2",
        "opentelemetry-foo-bar",
    ],
)
def test_plugins_and_long_names_stay_quiet(index: TyposquatIndex, name: str) -> None:
    assert index.check(name) is None, index.check(name)


def test_popular_names_are_never_flagged(index: TyposquatIndex) -> None:
    # every popular name, including look-alikes of more popular ones ("panda", "pytorch")
    assert all(index.check(name) is None for name in index.ranks)
    assert index.check("panda") is None and index.check("pytorch") is None


def test_small_index_and_rank_tiers() -> None:
    index = TyposquatIndex({"requests": 1, "obscurelib": 14000})
    assert index.check("reqeusts") is not None
    # a one-letter difference from an obscure name is no evidence of an attack
    assert index.check("obscurelab") is None


def test_normal_forms() -> None:
    assert compact("Discord.py") == "discordpy"
    assert skeleton("rn0dule1") == "modulel"


def test_speed(index: TyposquatIndex) -> None:
    names = [f"somepackage{i}x" for i in range(200)]
    start = time.process_time()
    for name in names:
        index.check(name)
    assert (time.process_time() - start) / len(names) < 0.02

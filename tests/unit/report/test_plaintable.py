"""The rich-free table writer must print exactly what rich prints, or step aside."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainward.report.interface import Report, Section
from chainward.report.plaintable import render_plain
from chainward.report.table import TableReporter, render_rich

# printable ASCII with the characters rich treats specially, plus a few it measures wide
ALPHABET = string.ascii_letters + string.digits + " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + "é漢\t"
texts = st.text(alphabet=ALPHABET, max_size=40)
plain = st.text(alphabet=string.ascii_letters + string.digits + " ./-_(),;", max_size=25)
words = st.lists(
    st.text(alphabet=string.ascii_lowercase + "()./-_0123456789", min_size=1, max_size=30),
    max_size=30,
).map(" ".join)
# Hugging Face cache paths and the like: long words rich must fold across lines
path_like = st.lists(
    st.text(alphabet=string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=45),
    min_size=1,
    max_size=6,
).map("/".join)
wide_cells = st.one_of(plain, path_like, path_like, words, st.just(""))


@st.composite
def sections(draw: st.DrawFn) -> Section:
    columns = tuple(draw(st.lists(st.one_of(plain, plain, texts), min_size=1, max_size=5)))
    row = st.tuples(*[st.one_of(plain, plain, words, texts) for _ in columns])
    rows = draw(st.lists(row, max_size=6))
    return Section(
        draw(st.one_of(plain, words, texts)),
        columns,
        rows,
        draw(st.one_of(texts, words)),
        tuple(draw(st.lists(st.one_of(texts, words), max_size=2))),
    )


reports = st.builds(
    lambda secs, summary: Report("test", {}, sections=secs, summary_lines=tuple(summary)),
    st.lists(sections(), max_size=3),
    st.lists(st.one_of(words, texts), max_size=3),
)


@st.composite
def wide_sections(draw: st.DrawFn) -> Section:
    columns = tuple(draw(st.lists(st.one_of(plain, path_like), min_size=1, max_size=9)))
    row = st.tuples(*[wide_cells for _ in columns])
    return Section(
        draw(st.one_of(plain, words, path_like)),
        columns,
        draw(st.lists(row, min_size=1, max_size=6)),
        draw(st.one_of(words, path_like)),
        tuple(draw(st.lists(st.one_of(words, path_like), max_size=2))),
    )


wide_reports = st.builds(
    lambda secs, summary: Report("test", {}, sections=secs, summary_lines=tuple(summary)),
    st.lists(wide_sections(), min_size=1, max_size=2),
    st.lists(st.one_of(words, path_like), max_size=3),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports, st.sampled_from([40, 80, 120]))
def test_plain_output_is_what_rich_prints(report: Report, width: int) -> None:
    plain = render_plain(report, width)
    if plain is not None:
        assert plain == render_rich(report, width)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_reports, st.integers(min_value=20, max_value=200))
def test_tables_wider_than_the_console_are_shrunk_and_folded_as_rich_does(
    report: Report, width: int
) -> None:
    plain = render_plain(report, width)
    if plain is not None:
        assert plain == render_rich(report, width)


def test_a_wide_model_scan_report_is_written_without_rich() -> None:
    blobs = "/home/user/.cache/huggingface/hub/models--some-org--some-model-7b-instruct/blobs"
    rows = [
        (f"{blobs}/{index:064x}", kind, "safe", "0")
        for index, kind in enumerate(("safetensors", "pickle", "pytorch", "numpy") * 5)
    ]
    report = Report(
        "model-scan",
        {},
        sections=(
            Section("Model files", ("path", "format", "verdict", "findings"), rows),
            Section("Findings", ("severity", "rule", "message", "location"), [], "no findings"),
        ),
        summary_lines=(
            "20 file(s): 0 unsafe, 0 suspicious, 0 not fully analysed, 20 with no known-unsafe "
            "constructs found; 8 non-model file(s) skipped.",
        ),
    )
    for width in (120, 80):
        plain = render_plain(report, width)
        assert plain is not None
        assert plain == render_rich(report, width)
        assert max(len(line) for line in plain.splitlines()) <= width


def test_a_model_scan_report_is_written_without_rich() -> None:
    report = Report(
        "model-scan",
        {},
        sections=(
            Section(
                "Model files",
                ("path", "format", "verdict", "findings"),
                [("/models/tiny/model.safetensors", "safetensors", "safe", "0")],
            ),
            Section("Findings", ("severity", "rule", "message", "location"), [], "no findings"),
        ),
        summary_lines=(
            "1 file(s): 0 unsafe, 0 suspicious, 0 not fully analysed, 1 with no known-unsafe "
            "constructs found; 0 non-model file(s) skipped.",
        ),
    )
    plain = render_plain(report, 120)
    assert plain is not None
    assert plain == render_rich(report, 120)
    assert TableReporter(width=120).render(report) == plain


def test_what_rich_must_render_goes_to_rich() -> None:
    many_columns = tuple(f"column {index}" for index in range(20))
    for report in (
        Report("x", {}, summary_lines=("[bold]markup[/bold]",)),
        Report("x", {}, summary_lines=("an emoji :warning: code",)),
        Report("x", {}, summary_lines=("a wide character: 漢",)),
        Report("x", {}, sections=(Section("T", many_columns, [many_columns]),)),
    ):
        assert render_plain(report, 80) is None
        assert TableReporter(width=80).render(report) == render_rich(report, 80)

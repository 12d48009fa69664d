"""Every keyword is documented with an example; Libdoc builds; the intro matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robot.libdoc import libdoc
from robot.libdocpkg import LibraryDocumentation

from ReinferLibrary import ReinferLibrary, __version__
from ReinferLibrary.client import RETRY_POLICY, RETRY_STATUSES, ConnectionSettings
from ReinferLibrary.client.transport import MAX_BACKOFF

AREAS = {
    "Connection",
    "Comments",
    "Trigger",
    "Labels",
    "Entities",
    "Thresholds",
    "Predictions",
    "Models",
    "Elasticsearch",
}
SECTIONS = [
    "Connecting",
    "Streams and triggers",
    "At-least-once",
    "One consumer per stream",
    "Nothing processed twice",
    "Thresholds",
    "Labels",
    "Entities and capture groups",
    "Predictions on demand",
    "Errors",
    "Logging",
    "Long runs",
    "Secrets and pabot",
    "Retries",
]


@pytest.fixture(scope="module")
def documentation() -> LibraryDocumentation:
    return LibraryDocumentation("ReinferLibrary")


def own_keywords(documentation: LibraryDocumentation) -> list[object]:
    # Every keyword of the library: each must carry one of the area tags.
    return list(documentation.keywords)


def test_every_keyword_has_a_summary_an_example_and_a_table(documentation: LibraryDocumentation) -> None:
    keywords = own_keywords(documentation)
    assert len(keywords) >= 35
    for kw in keywords:
        doc = kw.doc  # type: ignore[attr-defined]
        lines = doc.splitlines()
        assert lines and lines[0].strip().endswith("."), f"{kw.name}: no one-line summary"  # type: ignore[attr-defined]
        assert any("Example" in line for line in lines), f"{kw.name}: no Example"  # type: ignore[attr-defined]
        assert any(line.lstrip().startswith("|") for line in lines), f"{kw.name}: no table"  # type: ignore[attr-defined]


def test_every_argument_and_return_value_is_described(documentation: LibraryDocumentation) -> None:
    # Libdoc (RF 7.5) moves the ``Args:``/``Returns:`` sections out of the doc text.
    for kw in own_keywords(documentation):
        spec = kw.to_dictionary()  # type: ignore[attr-defined]
        for argument in spec["args"]:
            if argument["kind"] == "NAMED_ONLY_MARKER":  # the ``*`` before named-only arguments
                continue
            assert argument["doc"], f"{spec['name']}: {argument['name']} undocumented"
        if spec["returnType"] is not None and spec["returnType"]["name"] != "None":
            assert spec["returnDoc"], f"{spec['name']}: return value undocumented"


def test_every_keyword_has_exactly_one_area_tag(documentation: LibraryDocumentation) -> None:
    for kw in own_keywords(documentation):
        assert len(AREAS & set(kw.tags)) == 1, kw.name  # type: ignore[attr-defined]


def test_contract_keyword_names(documentation: LibraryDocumentation) -> None:
    names = {kw.name for kw in documentation.keywords}
    for name in (
        "Fetch Trigger Batch",
        "Labels Above Threshold",
        "Get Entities By Capture Group",
        "Advance Trigger",
        "Connect To Reinfer",
        "Reset Trigger",
        "Tag Trigger Exception",
        "Load Thresholds",
    ):
        assert name in names


def test_intro_has_toc_and_sections_and_version(documentation: LibraryDocumentation) -> None:
    assert "%TOC%" in documentation.doc
    for section in SECTIONS:
        assert f"= {section} =" in documentation.doc
    assert documentation.version == __version__
    assert documentation.scope == "GLOBAL"
    assert documentation.doc_format == "ROBOT"


def test_retries_section_matches_the_clients_policy() -> None:
    intro = ReinferLibrary.__doc__ or ""
    rows = re.findall(r"^\s*\| (\w+) \| .*? \| (yes|no|unsent only) \|", intro, re.MULTILINE)
    assert len(rows) >= 12
    for operation, retried in rows:
        assert operation in RETRY_POLICY, operation
        assert RETRY_POLICY[operation].retried == retried, operation


def test_retries_section_quotes_the_clients_numbers() -> None:
    intro = " ".join((ReinferLibrary.__doc__ or "").split())
    defaults = ConnectionSettings(url="http://x.test", token="t")
    assert f"up to {defaults.backoff:g} s x 2^n, at most {MAX_BACKOFF:g} s" in intro
    assert f"Retry-After`` says (at most {defaults.max_retry_after:g} s)" in intro
    assert "429, 500, 502, 503, 504" in intro
    assert sorted(RETRY_STATUSES) == [429, 500, 502, 503, 504]


def test_section_links_resolve(documentation: LibraryDocumentation) -> None:
    names = {kw.name for kw in documentation.keywords} | set(SECTIONS) | {"Importing", "Keywords"}
    texts = [
        documentation.doc,
        *(kw.doc for kw in documentation.keywords),
        *(i.doc for i in documentation.inits),
    ]
    for text in texts:
        for link in re.findall(r"(?<!`)`([^`]+)`(?!`)", text):
            assert link in names, f"broken link `{link}`"


def test_libdoc_builds_html(tmp_path: Path) -> None:
    output = tmp_path / "ReinferLibrary.html"
    rc = libdoc("ReinferLibrary", str(output), quiet=True)
    assert rc in (0, None)
    html = output.read_text(encoding="utf-8")
    assert "Labels Above Threshold" in html
    assert "Get Entities By Capture Group" in html


def test_capture_group_examples_work_on_rows_without_every_entity(
    documentation: LibraryDocumentation,
) -> None:
    # A row has only the entities found in it: the examples must not read a key unguarded.
    keyword = next(kw for kw in documentation.keywords if kw.name == "Get Entities By Capture Group")
    for text in (documentation.doc, keyword.doc):
        assert "'order_number' not in $row" in text
        assert "${row.get('monetary_quantity')}" in text
        assert "capture_id: 0" not in text
    fetch = next(kw for kw in documentation.keywords if kw.name == "Fetch Trigger Batch")
    assert "label extraction" in fetch.doc
    assert "label extraction" in " ".join(documentation.doc.replace("*", "").split())


def test_create_trigger_example_builds_a_real_filter(documentation: LibraryDocumentation) -> None:
    create = next(kw for kw in documentation.keywords if kw.name == "Create Trigger")
    # Create Dictionary would pass the filter as a string; the inline Python gives a dictionary.
    assert "Create Dictionary" not in create.doc
    assert "&amp;{uk}" in create.doc or "&{uk}" in create.doc
    assert '${{ {"string:Country": {"one_of": ["UK"]}} }}' in create.doc


def test_max_retry_after_is_documented_where_it_can_be_set(documentation: LibraryDocumentation) -> None:
    connect = next(kw for kw in documentation.keywords if kw.name == "Connect To Reinfer")
    assert "max_retry_after" in [arg.name for arg in connect.args]
    assert "max_retry_after" in [arg.name for arg in documentation.inits[0].args]
    assert "max_retry_after" in documentation.doc


def test_html_docs_link_only_to_keywords_and_keep_no_stray_backticks() -> None:
    """``code`` next to a brace once rendered as broken keyword links: check what libdoc shows."""
    library = LibraryDocumentation("ReinferLibrary")
    library.convert_docs_to_html()
    for kw in library.keywords:
        texts = {"doc": kw.doc, "return": kw.args.return_doc}
        texts.update({f"argument {arg.name}": arg.doc for arg in kw.args})
        for where, html in texts.items():
            assert '<span class="name">' not in html, f"{kw.name} {where}: a link to no keyword: {html}"
            assert "`" not in re.sub(r"<[^>]+>", "", html), f"{kw.name} {where}: a stray backtick: {html}"

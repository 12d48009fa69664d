"""Every prediction and model keyword is documented: summary, arguments, return value, example."""

from __future__ import annotations

import re

import pytest
from robot.libdocpkg import LibraryDocumentation

AREAS = {"Predictions", "Models", "Thresholds"}
KEYWORDS = {
    "Predict Text",
    "Predict Comments",
    "Predict Emails",
    "Get Model Tags",
    "Get Model Version Details",
    "Verify Model Configuration",
    "Thresholds From Model",
    "Save Thresholds",
}
# A library of just these two components, as the library class will combine them.
LIBRARY = '''
from robotlibcore import DynamicCore
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.options import ConnectionOptions
from ReinferLibrary.keywords.models import ModelKeywords
from ReinferLibrary.keywords.predictions import PredictionKeywords


class PredictionDocs(DynamicCore):
    """Prediction and model keywords."""

    def __init__(self) -> None:
        context = LibraryContext(ConnectionOptions())
        DynamicCore.__init__(self, [PredictionKeywords(context), ModelKeywords(context)])
'''


@pytest.fixture(scope="module")
def documentation(tmp_path_factory: pytest.TempPathFactory) -> LibraryDocumentation:
    folder = tmp_path_factory.mktemp("docs")
    (folder / "prediction_docs.py").write_text(LIBRARY, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(folder))
        return LibraryDocumentation("prediction_docs.PredictionDocs")


def test_all_keywords_are_there(documentation: LibraryDocumentation) -> None:
    assert {kw.name for kw in documentation.keywords} == KEYWORDS


def test_every_keyword_has_a_summary_an_example_table_and_one_area(
    documentation: LibraryDocumentation,
) -> None:
    for kw in documentation.keywords:
        lines = kw.doc.splitlines()
        assert lines and lines[0].strip().endswith("."), kw.name
        assert any(line.strip() == "Example:" for line in lines), kw.name
        assert any(line.lstrip().startswith("| ") for line in lines), kw.name
        assert len(AREAS & set(kw.tags)) == 1, kw.name


def test_every_argument_and_return_value_is_described(documentation: LibraryDocumentation) -> None:
    for kw in documentation.keywords:
        spec = kw.to_dictionary()
        for argument in spec["args"]:
            assert argument["doc"], f"{spec['name']}: {argument['name']} undocumented"
        if spec["returnType"] is not None and spec["returnType"]["name"] != "None":
            assert spec["returnDoc"], f"{spec['name']}: return value undocumented"


def test_html_docs_link_only_to_keywords_and_keep_no_stray_backticks() -> None:
    """``code`` next to a brace once rendered as broken keyword links: check what libdoc shows."""
    library = LibraryDocumentation("ReinferLibrary")
    library.convert_docs_to_html()
    for kw in library.keywords:
        if kw.name not in KEYWORDS:
            continue
        texts = {"doc": kw.doc, "return": kw.args.return_doc}
        texts.update({f"argument {arg.name}": arg.doc for arg in kw.args})
        for where, html in texts.items():
            assert '<span class="name">' not in html, f"{kw.name} {where}: a link to no keyword: {html}"
            assert "`" not in re.sub(r"<[^>]+>", "", html), f"{kw.name} {where}: a stray backtick: {html}"

"""``/results`` under ``/api/preview`` (issue 12 point 6): a 404 from ``/api/v1`` tries the
preview path once, and the connection remembers whichever answered.

Against ``responses`` for the call sequence, and against the real sandbox serving only one
of the two prefixes (``reinfer-sandbox serve --results-api v1|preview``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from ReinferLibrary.client import ConnectionSettings, ReinferClient
from ReinferLibrary.errors import NotFoundError
from ReinferLibrary.sandbox.cli import build_parser
from ReinferLibrary.sandbox.inprocess import InProcessSandbox

BASE = "https://tenant.example/reinfer_"
V1 = BASE + "/api/v1/datasets/acme/retail-inbox/streams/routing/results"
PREVIEW = BASE + "/api/preview/datasets/acme/retail-inbox/streams/routing/results"
EMPTY = {"status": "ok", "results": [], "num_filtered": 0, "more_results": False, "continuation": "C1"}
MISSING = {"status": "error", "message": "Not found"}


def client() -> ReinferClient:
    return ReinferClient(ConnectionSettings(url=BASE, token="tok-preview-1", retries=0))


def paths(mock: responses.RequestsMock) -> list[str]:
    return [str(call.request.url).split("/api/", 1)[1].split("/", 1)[0] for call in mock.calls]


def test_a_404_on_v1_tries_preview_once_and_the_connection_remembers_it() -> None:
    with responses.RequestsMock() as mock:
        mock.get(V1, status=404, body="<html>no such route</html>", content_type="text/html")
        mock.get(PREVIEW, json=EMPTY)
        reinfer = client()
        assert reinfer.results("acme/retail-inbox", "routing").sequence_id == "C1"
        assert reinfer.results("acme/retail-inbox", "routing").sequence_id == "C1"
        assert paths(mock) == ["v1", "preview", "preview"]
        assert reinfer.results_prefix == "/api/preview"


def test_v1_that_answers_is_remembered_and_preview_never_asked() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(V1, json=EMPTY)
        mock.get(V1, status=404, json={"status": "error", "message": "stream 'routing' does not exist"})
        mock.get(PREVIEW, json=EMPTY)
        reinfer = client()
        reinfer.results("acme/retail-inbox", "routing")
        with pytest.raises(NotFoundError, match="stream 'routing' does not exist"):
            reinfer.results("acme/retail-inbox", "routing")
        assert paths(mock) == ["v1", "v1"]


def test_when_both_say_404_the_v1_error_is_raised_and_nothing_is_remembered() -> None:
    with responses.RequestsMock() as mock:
        mock.get(V1, status=404, json={"status": "error", "message": "stream 'routing' does not exist"})
        mock.get(PREVIEW, status=404, json=MISSING)
        reinfer = client()
        with pytest.raises(NotFoundError) as caught:
            reinfer.results("acme/retail-inbox", "routing")
        assert "/api/v1/" in str(caught.value)
        assert "stream 'routing' does not exist" in str(caught.value)
        assert reinfer.results_prefix is None


def test_the_sandbox_switch_is_a_serve_option() -> None:
    parser = build_parser()
    args = parser.parse_args(["serve", "--data-dir", "x", "--results-api", "preview"])
    assert args.results_api == "preview"
    assert parser.parse_args(["serve", "--data-dir", "x"]).results_api == "both"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[InProcessSandbox]:
    with InProcessSandbox() as running:
        yield running


@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize(("served", "expected"), [("v1", "/api/v1"), ("preview", "/api/preview")])
def test_against_a_sandbox_serving_only_one_prefix(
    sandbox: InProcessSandbox, served: str, expected: str
) -> None:
    assert sandbox._sandbox is not None and sandbox.url is not None
    sandbox._sandbox.results_api = served  # what `serve --results-api` sets
    try:
        with ReinferClient(ConnectionSettings(url=sandbox.url, token=sandbox.token)) as reinfer:
            first = reinfer.results("acme/retail-inbox", "routing", max_results=4)
            again = reinfer.results("acme/retail-inbox", "routing", max_results=4)
            assert reinfer.results_prefix == expected
            assert len(first.results) == 4
            assert [item.uid for item in again.results] == [item.uid for item in first.results]
    finally:
        sandbox._sandbox.results_api = "both"

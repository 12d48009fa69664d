"""One transport for both services: the same failure gets the same class and category from either.

A robot that retries ``Technical error*`` (or skips ``Business error*``) must see the same
category whether the failure came from the Communications Mining tenant or the
Elasticsearch cluster. Each case sends the same HTTP failure to a read of each service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
import urllib3

from ReinferLibrary.client import ConnectionSettings, ReinferClient
from ReinferLibrary.client.elasticsearch import ElasticsearchClient, ElasticsearchSettings
from ReinferLibrary.errors import (
    AuthenticationError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ReinferApiError,
    ReinferConnectionError,
    ReinferTimeoutError,
    ServerError,
)

REINFER_URL = "https://tenant.example/reinfer_"
ES_URL = "https://es.example:9200"
STREAM = REINFER_URL + "/api/v1/datasets/acme/retail-inbox/streams/routing"
MODEL = ES_URL + "/_ml/trained_models/m1"
SELF_SIGNED = (
    "HTTPSConnectionPool(host='x', port=443): Max retries exceeded (Caused by SSLError("
    "SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
    "self-signed certificate (_ssl.c:1000)')))"
)


def refused() -> requests.ConnectionError:
    cause = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", cause))  # type: ignore[arg-type]


FAILURES: dict[str, tuple[dict[str, Any], type[ReinferApiError], str]] = {
    "tls": ({"body": requests.exceptions.SSLError(SELF_SIGNED)}, ReinferConnectionError, "connection"),
    "refused": ({"body": refused()}, ReinferConnectionError, "connection"),
    "read timeout": ({"body": requests.ReadTimeout("read timed out")}, ReinferTimeoutError, "timeout"),
    "503": ({"status": 503, "json": {"message": "down"}}, ServerError, "server"),
    "429": ({"status": 429, "json": {"message": "slow down"}}, RateLimitedError, "rate limited"),
    "401": ({"status": 401, "json": {"message": "no"}}, AuthenticationError, "authentication"),
    "401 from a gateway": (
        {"status": 401, "body": "<html>Access denied</html>", "content_type": "text/html"},
        AuthenticationError,
        "authentication",
    ),
    "404": ({"status": 404, "json": {"message": "nope"}}, NotFoundError, "not found"),
    "html 200": ({"status": 200, "body": "<html>login</html>"}, ProtocolError, "protocol"),
}


@pytest.fixture
def clients() -> Iterator[dict[str, tuple[str, Callable[[], object]]]]:
    reinfer = ReinferClient(ConnectionSettings(url=REINFER_URL, token="t0ken-abc", retries=1))
    elastic = ElasticsearchClient(ElasticsearchSettings(url=ES_URL, api_key="k3y-abc", retries=1))
    reinfer.sleep = lambda _seconds: None
    elastic.transport.sleep = lambda _seconds: None
    yield {
        "reinfer": (STREAM, lambda: reinfer.get_stream("acme/retail-inbox", "routing")),
        "elasticsearch": (MODEL, lambda: elastic.get_trained_model("m1")),
    }
    reinfer.close()
    elastic.close()


@pytest.mark.parametrize("failure", sorted(FAILURES))
@responses.activate
def test_the_same_failure_has_the_same_class_and_category_from_either_service(
    clients: dict[str, tuple[str, Callable[[], object]]], failure: str
) -> None:
    answer, cls, title = FAILURES[failure]
    seen = {}
    for service, (url, call) in clients.items():
        responses.get(url, **answer)
        with pytest.raises(ReinferApiError) as caught:
            call()
        seen[service] = (type(caught.value), caught.value.category, str(caught.value).split(":", 1)[0])
    prefix = ("Technical" if cls.category == "technical" else "Business") + f" error ({title})"
    assert seen["reinfer"] == seen["elasticsearch"] == (cls, cls.category, prefix)

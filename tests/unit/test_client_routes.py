"""Path building and connection settings: quoting, legacy triggers, argument checks."""

from __future__ import annotations

import pytest

from ReinferLibrary.client import ConnectionSettings, Routes, split_full_name
from ReinferLibrary.errors import ReinferConfigurationError

TOKEN = "tok-SECRET-1234"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("acme/retail-inbox", ("acme", "retail-inbox")),
        (" acme / retail-inbox ", ("acme", "retail-inbox")),
        ("my.project/data_set-1", ("my.project", "data_set-1")),
    ],
)
def test_split_full_name_accepts_owner_slash_name(value: str, expected: tuple[str, str]) -> None:
    assert split_full_name(value) == expected


@pytest.mark.parametrize("value", ["acme", "acme/retail/inbox", "/retail-inbox", "acme/", " / ", ""])
def test_split_full_name_rejects_other_forms(value: str) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        split_full_name(value)
    message = str(caught.value)
    assert repr(value) in message
    assert "'owner/name'" in message


def test_source_errors_say_source() -> None:
    with pytest.raises(
        ReinferConfigurationError, match=r"Source 'inbox' is not in the form 'owner/name' \(project/"
    ):
        Routes().source("inbox")


def test_stream_routes() -> None:
    routes = Routes()
    assert routes.streams("acme/retail-inbox") == "/api/v1/datasets/acme/retail-inbox/streams"
    assert (
        routes.stream("acme/retail-inbox", "routing") == "/api/v1/datasets/acme/retail-inbox/streams/routing"
    )
    assert (
        routes.stream("acme/retail-inbox", "routing", "fetch")
        == "/api/v1/datasets/acme/retail-inbox/streams/routing/fetch"
    )
    assert routes.stream_key == "stream"
    assert routes.list_key == "streams"


def test_legacy_trigger_routes_and_keys() -> None:
    routes = Routes(legacy_triggers=True)
    assert routes.streams("acme/retail-inbox") == "/api/v1/datasets/acme/retail-inbox/triggers"
    assert (
        routes.stream("acme/retail-inbox", "routing", "advance")
        == "/api/v1/datasets/acme/retail-inbox/triggers/routing/advance"
    )
    assert routes.stream_key == "trigger"
    assert routes.list_key == "triggers"


def test_segments_are_quoted_one_by_one_and_the_slash_is_never_encoded() -> None:
    routes = Routes()
    path = routes.stream("acme/retail inbox", "my stream", "results")
    assert path == "/api/v1/datasets/acme/retail%20inbox/streams/my%20stream/results"
    assert "%2F" not in routes.dataset("acme/retail-inbox")
    assert routes.comment("acme/retail-inbox", "id+1@x?&") == (
        "/api/v1/sources/acme/retail-inbox/comments/id%2B1%40x%3F%26"
    )


@pytest.mark.parametrize("name", ["", "  ", "a/b"])
def test_stream_names_must_be_plain(name: str) -> None:
    with pytest.raises(ReinferConfigurationError, match="Stream name"):
        Routes().stream("acme/retail-inbox", name)


def test_comment_id_with_slash_is_rejected() -> None:
    with pytest.raises(ReinferConfigurationError, match="Comment id 'a/b' must be plain"):
        Routes().comment("acme/retail-inbox", "a/b")


def test_source_routes() -> None:
    routes = Routes()
    assert routes.sync("acme/retail-inbox") == "/api/v1/sources/acme/retail-inbox/sync"
    assert routes.comment("acme/retail-inbox", "c1") == "/api/v1/sources/acme/retail-inbox/comments/c1"


def test_model_routes() -> None:
    routes = Routes()
    base = "/api/v1/datasets/acme/retail-inbox"
    assert routes.predict("acme/retail-inbox", 8) == f"{base}/labellers/8/predict"
    assert (
        routes.predict("acme/retail-inbox", "live", "predict-comments")
        == f"{base}/labellers/live/predict-comments"
    )
    assert routes.predict("acme/retail-inbox", "staging", "predict-raw-emails") == (
        f"{base}/labellers/staging/predict-raw-emails"
    )
    assert routes.model_tags("acme/retail-inbox") == f"{base}/model-tags"
    assert routes.validation("acme/retail-inbox", 8) == f"{base}/labellers/8/validation"
    assert routes.label_validation("acme/retail-inbox", 8) == (
        "/api/_private/datasets/acme/retail-inbox/labellers/8/label-validation"
    )


@pytest.mark.parametrize("version", [True, -1, "", "  "])
def test_bad_model_versions_are_rejected(version: int | str) -> None:
    with pytest.raises(ReinferConfigurationError, match="Model version"):
        Routes().predict("acme/retail-inbox", version)


# --- settings ------------------------------------------------------------------------


def test_settings_repr_hides_the_token() -> None:
    settings = ConnectionSettings(url="https://tenant.example/", token=TOKEN)
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert settings.base_url == "https://tenant.example"
    assert settings.timeout == (10.0, 60.0)
    assert settings.retries == 3


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"url": "tenant.example"}, "must start with http"),
        ({"token": ""}, "token is empty"),
        ({"timeout": (0.0, 5.0)}, "Timeout"),
        ({"timeout": 30.0}, "Timeout"),
        ({"retries": -1}, "Retries"),
        ({"backoff": -0.1}, "Backoff"),
    ],
)
def test_settings_are_checked(kwargs: dict[str, object], fragment: str) -> None:
    values: dict[str, object] = {"url": "https://tenant.example", "token": TOKEN, **kwargs}
    with pytest.raises(ReinferConfigurationError, match=fragment) as caught:
        ConnectionSettings(**values)  # type: ignore[arg-type]
    assert TOKEN not in str(caught.value)

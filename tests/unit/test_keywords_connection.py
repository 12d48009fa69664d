"""Connection keywords called through the library class, against fake HTTP (``responses``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import responses
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.client import CallRecord
from ReinferLibrary.client import safe_url as client_safe_url
from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.keywords import base

if TYPE_CHECKING:
    from conftest import LogRecorder

BASE = "http://reinfer.test"
OTHER = "http://other.test"
TOKEN = "tok-connection-test-3141"
STREAMS = "/api/v1/datasets/acme/retail-inbox/streams"


def test_library_imports_with_no_arguments_and_lists_its_keywords(lib: ReinferLibrary) -> None:
    names = {name.replace("_", " ").title() for name in lib.get_keyword_names()}
    assert {"Connect To Reinfer", "Fetch Trigger Batch", "Labels Above Threshold", "Advance Trigger"} <= names
    assert {
        "Get Entities By Capture Group",
        "Reset Trigger",
        "Tag Trigger Exception",
        "Load Thresholds",
    } <= names


def test_plain_text_token_is_refused_without_echoing_it(lib: ReinferLibrary) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.connect_to_reinfer(url=BASE, token=TOKEN)
    message = str(caught.value)
    assert TOKEN not in message
    assert "${TOKEN: Secret}    %{REINFER_TOKEN}" in message
    with pytest.raises(ReinferConfigurationError, match="library import token was given as plain text"):
        ReinferLibrary(token=TOKEN)


def test_missing_url_and_token_explain_both_ways(lib: ReinferLibrary) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.connect_to_reinfer()
    message = str(caught.value)
    assert message.startswith("Cannot connect to Reinfer: no URL and no token.")
    assert "REINFER_URL and REINFER_TOKEN environment variables" in message
    assert "token= to Connect To Reinfer" in message
    with pytest.raises(ReinferConfigurationError, match="no token"):
        lib.connect_to_reinfer(url=BASE)


@responses.activate
def test_environment_supplies_url_and_token(
    lib: ReinferLibrary, monkeypatch: pytest.MonkeyPatch, log: LogRecorder
) -> None:
    monkeypatch.setenv("REINFER_URL", BASE + "/")
    monkeypatch.setenv("REINFER_TOKEN", TOKEN)
    responses.get(BASE + STREAMS, json={"status": "ok", "streams": []})
    assert lib.connect_to_reinfer(dataset="acme/retail-inbox") == 1
    assert lib.list_triggers() == []
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert ("INFO", f"GET {STREAMS} -> 200 in 0 ms") in [
        (level, text.replace(text[text.rfind(" in ") :], " in 0 ms")) for level, text in log.messages
    ]
    assert all(TOKEN not in text for _, text in log.messages)


@responses.activate
def test_a_keyword_before_any_connect_connects_from_the_environment(
    lib: ReinferLibrary, monkeypatch: pytest.MonkeyPatch, log: LogRecorder
) -> None:
    monkeypatch.setenv("REINFER_URL", BASE)
    monkeypatch.setenv("REINFER_TOKEN", TOKEN)
    responses.get(BASE + STREAMS, json={"status": "ok", "streams": [{"id": "1", "name": "routing"}]})
    triggers = lib.list_triggers(dataset="acme/retail-inbox")
    assert [t.name for t in triggers] == ["routing"]
    assert any("from the library defaults / environment" in text for _, text in log.messages)


@responses.activate
def test_import_arguments_are_the_defaults(clean_env: None) -> None:
    library = ReinferLibrary(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox")
    responses.get(BASE + STREAMS, json={"status": "ok", "streams": []})
    assert library.list_triggers() == []
    library.close_all_reinfer_connections()


def test_without_dataset_a_keyword_says_how_to_give_one(lib: ReinferLibrary) -> None:
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN))
    with pytest.raises(ReinferConfigurationError, match="No dataset given: pass dataset=owner/name"):
        lib.list_triggers()


@responses.activate
def test_aliases_switch_between_tenants_and_datasets(lib: ReinferLibrary) -> None:
    responses.get(BASE + STREAMS, json={"status": "ok", "streams": [{"id": "1", "name": "a"}]})
    responses.get(OTHER + "/api/v1/datasets/acme/claims/streams", json={"status": "ok", "streams": []})
    assert (
        lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox", alias="inbox") == 1
    )
    assert lib.connect_to_reinfer(url=OTHER, token=Secret(TOKEN), dataset="acme/claims", alias="claims") == 2
    assert lib.list_triggers() == []
    assert lib.switch_reinfer_connection("inbox") == 1
    assert [t.name for t in lib.list_triggers()] == ["a"]
    assert lib.switch_reinfer_connection("2") == 2


def test_switch_to_unknown_or_closed_alias_fails_clearly(lib: ReinferLibrary) -> None:
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), alias="inbox")
    lib.connect_to_reinfer(url=OTHER, token=Secret(TOKEN), alias="claims")
    with pytest.raises(ReinferConfigurationError, match="alias or index 'nope'; open ones: inbox, claims"):
        lib.switch_reinfer_connection("nope")
    lib.close_reinfer_connection()
    with pytest.raises(ReinferConfigurationError, match="alias or index 'claims'; open ones: inbox"):
        lib.switch_reinfer_connection("claims")


def test_close_current_then_a_keyword_needs_a_new_connection(
    lib: ReinferLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment names a tenant, but the robot chose its own and then closed it.
    monkeypatch.setenv("REINFER_URL", OTHER)
    monkeypatch.setenv("REINFER_TOKEN", TOKEN)
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox")
    lib.close_reinfer_connection()
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.list_triggers()
    assert str(caught.value) == (
        "No Reinfer connection is open: call Connect To Reinfer (the robot closed its connections, "
        "so none is opened from the environment again)."
    )
    assert len(lib.context.connections) == 1  # nothing was opened from the environment


def test_after_closing_the_current_connection_others_are_not_used_silently(
    lib: ReinferLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REINFER_URL", OTHER)
    monkeypatch.setenv("REINFER_TOKEN", TOKEN)
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox", alias="inbox")
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/claims", alias="claims")
    lib.close_reinfer_connection()
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.list_triggers()
    assert str(caught.value) == (
        "No Reinfer connection is open: call Connect To Reinfer, or Switch Reinfer Connection to one "
        "still open (inbox)."
    )
    assert len(lib.context.connections) == 2


@responses.activate
def test_after_close_all_a_new_connect_works_again(lib: ReinferLibrary, log: LogRecorder) -> None:
    responses.get(BASE + STREAMS, json={"status": "ok", "streams": []})
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox", alias="a")
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox", alias="b")
    lib.close_reinfer_connection()
    lib.close_all_reinfer_connections()
    assert log.texts()[-1] == "Closed 1 Reinfer connection(s)."
    with pytest.raises(ReinferConfigurationError, match=r"^No Reinfer connection is open: call Connect To"):
        lib.list_triggers()
    assert lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox") == 1
    assert lib.list_triggers() == []


@pytest.mark.parametrize(
    "url",
    [
        BASE + "/api",
        BASE + "/api/",
        BASE + "/api/v1",
        BASE + "/api/v1/",
        "https://cloud.uipath.com/org/tenant/reinfer_/API/V1",
    ],
)
def test_a_url_ending_in_api_is_refused_at_connect(lib: ReinferLibrary, url: str) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.connect_to_reinfer(url=url, token=Secret(TOKEN))
    message = str(caught.value)
    assert message.startswith(f"Reinfer URL {url!r} ends with /")
    assert "remove it, the URL is everything before /api" in message
    assert "\n" not in message
    assert len(lib.context.connections) == 0


def test_a_url_with_credentials_is_not_repeated_in_messages(lib: ReinferLibrary) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.connect_to_reinfer(url="https://robot:pa55w0rd@tenant.example/api/v1", token=Secret(TOKEN))
    assert "pa55w0rd" not in str(caught.value)
    assert "https://***@tenant.example/api/v1" in str(caught.value)


def test_max_retry_after_is_a_connect_and_import_argument(clean_env: None) -> None:
    from datetime import timedelta

    library = ReinferLibrary(url=BASE, token=Secret(TOKEN), max_retry_after=timedelta(minutes=2))
    library.connect_to_reinfer()
    assert library.context.current().client.settings.max_retry_after == 120.0
    library.connect_to_reinfer(max_retry_after=timedelta(seconds=5))
    assert library.context.current().client.settings.max_retry_after == 5.0
    with pytest.raises(ReinferConfigurationError, match="max_retry_after must be 0 seconds or more, got -1"):
        library.connect_to_reinfer(max_retry_after=timedelta(seconds=-1))
    library.close_all_reinfer_connections()


def test_settings_follow_the_arguments(lib: ReinferLibrary, tmp_path: Any) -> None:
    from datetime import timedelta

    bundle = tmp_path / "ca.pem"
    lib.connect_to_reinfer(
        url=BASE,
        token=Secret(TOKEN),
        timeout=timedelta(minutes=2),
        connect_timeout=timedelta(seconds=3),
        retries=0,
        verify=bundle,
        proxies={"https": "http://proxy:3128"},
        legacy_triggers=True,
    )
    settings = lib.context.current().client.settings
    assert settings.timeout == (3.0, 120.0)
    assert settings.retries == 0
    assert settings.verify == str(bundle)
    assert settings.proxies == {"https": "http://proxy:3128"}
    assert settings.legacy_triggers
    assert TOKEN not in repr(settings)
    with pytest.raises(ReinferConfigurationError, match="retries must be 0 or more"):
        lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), retries=-1)


def test_call_log_lines_and_retry_warnings(log: LogRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "debug_enabled", lambda: True)
    base.log_call(CallRecord("POST", "/api/v1/x/fetch", 503, 12.4, 1, '{"size":16}', "busy", 1.234))
    base.log_call(CallRecord("POST", "/api/v1/x/fetch", 200, 8.0, 2, None, '{"status":"ok"}', None))
    base.log_call(CallRecord("GET", "/api/v1/x", None, 10_000.0, 1, None, None, None))
    assert log.messages == [
        ("WARN", "POST /api/v1/x/fetch -> 503 in 12 ms; retrying in 1.2 s"),
        ("DEBUG", 'Request body: {"size":16}'),
        ("DEBUG", "Response body: busy"),
        ("INFO", "POST /api/v1/x/fetch -> 200 in 8 ms (attempt 2)"),
        ("DEBUG", 'Response body: {"status":"ok"}'),
        ("INFO", "GET /api/v1/x -> no answer in 10000 ms"),
    ]


def test_bodies_are_not_logged_unless_debug_is_on(log: LogRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "debug_enabled", lambda: False)
    base.log_call(CallRecord("POST", "/p", 200, 1.0, 1, "{}", "{}", None))
    assert log.messages == [("INFO", "POST /p -> 200 in 1 ms")]


def test_safe_url_hides_user_info() -> None:
    assert base.safe_url("https://user:pw@host.example/reinfer_") == "https://***@host.example/reinfer_"
    assert base.safe_url(BASE) == BASE
    assert base.safe_url is client_safe_url  # one implementation, in the client


def test_aliases_match_ignoring_case_and_spaces_as_robot_framework_does(lib: ReinferLibrary) -> None:
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), alias="Prod Inbox")
    lib.connect_to_reinfer(url=OTHER, token=Secret(TOKEN), alias="test")
    assert lib.switch_reinfer_connection("prodinbox") == 1
    assert lib.switch_reinfer_connection("TEST") == 2

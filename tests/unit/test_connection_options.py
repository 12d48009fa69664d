"""One settings merge: every connection parameter inherits the import's value when left out.

For each parameter: the import's value is kept by a `Connect To Reinfer` without it, the
keyword's value wins over the import's, and the environment (url, token) is read only when
neither gave one. An empty URL or token never falls back to the environment.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.client import ConnectionSettings
from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.keywords.options import BUILT_IN, ConnectionOptions

IMPORT_URL = "http://import.test"
KEYWORD_URL = "http://keyword.test"
ENV_URL = "http://env.test"


def settings_of(lib: ReinferLibrary) -> ConnectionSettings:
    settings = lib.context.connections.current.client.settings
    assert isinstance(settings, ConnectionSettings)
    return settings


def dataset_of(lib: ReinferLibrary) -> str | None:
    return lib.context.connections.current.dataset


# parameter -> (import value, keyword value, how to read it from a connection, built-in value read that way)
CASES: dict[str, tuple[Any, Any, Any, Any]] = {
    "url": (IMPORT_URL, KEYWORD_URL, lambda lib: settings_of(lib).base_url, None),
    "token": (
        Secret("import-token-1"),
        Secret("keyword-token-2"),
        lambda lib: settings_of(lib).token,
        None,
    ),
    "dataset": ("acme/import", "acme/keyword", dataset_of, None),
    "timeout": (timedelta(seconds=30), timedelta(seconds=45), lambda lib: settings_of(lib).timeout[1], 60.0),
    "connect_timeout": (
        timedelta(seconds=3),
        timedelta(seconds=4),
        lambda lib: settings_of(lib).timeout[0],
        10.0,
    ),
    "retries": (5, 0, lambda lib: settings_of(lib).retries, 3),
    "max_retry_after": (
        timedelta(seconds=5),
        timedelta(seconds=120),
        lambda lib: settings_of(lib).max_retry_after,
        60.0,
    ),
    "verify": (False, Path("/etc/ca.pem"), lambda lib: settings_of(lib).verify, True),
    "proxies": (
        {"https": "http://import-proxy:3128"},
        {"https": "http://keyword-proxy:3128"},
        lambda lib: dict(settings_of(lib).proxies or {}),
        {},
    ),
    "legacy_triggers": (True, False, lambda lib: settings_of(lib).legacy_triggers, False),
    "deadline": (timedelta(seconds=90), timedelta(seconds=20), lambda lib: settings_of(lib).deadline, None),
    "predict_timeout": (
        timedelta(seconds=300),
        timedelta(seconds=30),
        lambda lib: settings_of(lib).predict_timeout,
        240.0,
    ),
}


def expected(name: str, value: Any) -> Any:
    """What a connection holds for an argument value (seconds, text, plain values)."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Secret):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if name == "url":
        return value.rstrip("/")
    return value


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REINFER_URL", ENV_URL)
    monkeypatch.setenv("REINFER_TOKEN", "env-token-0")


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_value_is_kept_by_connect_without_it(name: str) -> None:
    import_value, _, read, _ = CASES[name]
    lib = ReinferLibrary(**{name: import_value})
    lib.connect_to_reinfer()
    assert read(lib) == expected(name, import_value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_keyword_value_wins_over_import_value(name: str) -> None:
    import_value, keyword_value, read, _ = CASES[name]
    lib = ReinferLibrary(**{name: import_value})
    lib.connect_to_reinfer(**{name: keyword_value})
    assert read(lib) == expected(name, keyword_value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_built_in_or_environment_only_when_neither_gives_it(name: str) -> None:
    _, _, read, built_in = CASES[name]
    lib = ReinferLibrary()
    lib.connect_to_reinfer()
    environment = {"url": ENV_URL, "token": "env-token-0"}
    assert read(lib) == environment.get(name, built_in)


@pytest.mark.parametrize("name", ["url", "token"])
def test_import_value_wins_over_environment(name: str) -> None:
    import_value, _, read, _ = CASES[name]
    lib = ReinferLibrary(**{name: import_value})
    lib.connect_to_reinfer()
    assert read(lib) == expected(name, import_value)


def test_connection_opened_by_itself_uses_every_import_value() -> None:
    arguments = {name: case[0] for name, case in CASES.items()}
    lib = ReinferLibrary(**arguments)
    connection = lib.context.current()  # what the first keyword of a robot without Connect does
    assert connection.dataset == "acme/import"
    for name, (import_value, _, read, _) in CASES.items():
        assert read(lib) == expected(name, import_value), name


def test_the_reported_bug_import_dataset_retries_and_timeout_survive_connect() -> None:
    lib = ReinferLibrary(dataset="acme/retail-inbox", retries=5, timeout=timedelta(seconds=30))
    lib.connect_to_reinfer()
    assert dataset_of(lib) == "acme/retail-inbox"
    assert settings_of(lib).retries == 5
    assert settings_of(lib).timeout == (10.0, 30.0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"token": Secret("")}, "token given as token= is empty"),
        ({"token": Secret("   ")}, "token given as token= is empty"),
        ({"url": ""}, "URL given as url= is empty"),
    ],
)
def test_empty_url_or_token_never_falls_back_to_the_environment(
    arguments: dict[str, Any], message: str
) -> None:
    lib = ReinferLibrary()
    with pytest.raises(ReinferConfigurationError, match=message) as caught:
        lib.connect_to_reinfer(**{"url": KEYWORD_URL, "token": Secret("kw-token"), **arguments})
    assert "env-token-0" not in str(caught.value)
    assert not lib.context.connections  # nothing opened


def test_empty_import_token_is_refused_too() -> None:
    lib = ReinferLibrary(token=Secret(""))
    with pytest.raises(ReinferConfigurationError, match="is empty"):
        lib.connect_to_reinfer(url=KEYWORD_URL)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"retries": -1}, "retries must be 0 or more, got -1"),
        ({"timeout": timedelta(0)}, "timeout must be more than 0 seconds, got 0"),
        ({"connect_timeout": timedelta(seconds=-1)}, "connect_timeout must be more than 0 seconds, got -1"),
        ({"max_retry_after": timedelta(seconds=-2)}, "max_retry_after must be 0 seconds or more, got -2"),
    ],
)
def test_bad_numbers_are_configuration_errors(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ReinferConfigurationError, match=message):
        ReinferLibrary().connect_to_reinfer(**arguments)


def test_over_inherits_only_what_was_not_given() -> None:
    base = ConnectionOptions(retries=5, dataset="a/b")
    merged = ConnectionOptions(retries=0).over(base)
    assert merged.retries == 0  # 0 is a value, not "not given"
    assert merged.dataset == "a/b"
    assert ConnectionOptions().over(BUILT_IN) == BUILT_IN


def test_options_repr_never_shows_the_token() -> None:
    options = ConnectionOptions.given(token=Secret("very-secret-token"))
    assert "very-secret-token" not in repr(options)

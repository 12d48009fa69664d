"""Connection options: one object, one merge, one place that reads the environment.

``Library    ReinferLibrary    retries=5`` and ``Connect To Reinfer    timeout=30s`` both
produce a :class:`ConnectionOptions`. Every field is ``None`` when not given, which means
*inherit*: a keyword's options are laid over the import's with :meth:`ConnectionOptions.over`,
and only what neither gave falls back to the environment (``url``, ``token``) or to the
built-in defaults in :data:`BUILT_IN`. This is SeleniumLibrary's rule (``timeout=None`` means
the library's value), written once instead of once per parameter.

An *empty* URL or token is not "not given": ``token=${EMPTY_SECRET}`` or
``url=%{REINFER_URL=}`` is a mistake in the robot, and silently using the environment's
token instead could send it to another URL than the robot named. It fails here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path

from robot.api.types import Secret

from ..client import ConnectionSettings
from ..errors import ReinferConfigurationError

URL_ENV = "REINFER_URL"
TOKEN_ENV = "REINFER_TOKEN"  # noqa: S105  # the variable name, not a token

ALREADY_LOGGED = (
    "Robot Framework has already written it to output.xml and log.html with the keyword's arguments: "
    "treat it as leaked and rotate it (create a new one). "
)
PLAIN_TEXT_REFUSED = (
    ALREADY_LOGGED + "Pass the new token as a Secret: put `${TOKEN: Secret}    %{REINFER_TOKEN}` in "
    "*** Variables *** and use token=${TOKEN}, or leave token out to read the REINFER_TOKEN environment "
    "variable."
)


def token_value(
    token: Secret | str | None, where: str = "token", advice: str = PLAIN_TEXT_REFUSED
) -> str | None:
    """The text of a Secret (a token, an API key, a password); a plain string is refused.

    Plain text is already in output.xml by the time the keyword runs, so the error names
    ``where`` and gives ``advice``: rotate it, and pass the new one as a Secret.
    """
    if token is None:
        return None
    if isinstance(token, Secret):
        return str(token.value)
    raise ReinferConfigurationError(f"The {where} was given as plain text. {advice}")


def seconds(value: timedelta | float | int) -> float:
    """Seconds from a timedelta (or a number of seconds)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def verify_setting(verify: bool | Path) -> bool | str:
    """A ``verify=`` argument as requests takes it: a flag, or a CA bundle path as text."""
    return str(verify) if isinstance(verify, Path) else verify


@dataclass(frozen=True)
class ConnectionOptions:
    """What a robot said about a connection; ``None`` everywhere it said nothing.

    The library import and `Connect To Reinfer` take the same arguments; both build one
    of these, and :meth:`over` lays the keyword's over the import's.
    """

    url: str | None = None
    token: Secret | None = field(default=None, repr=False)
    dataset: str | None = None
    timeout: timedelta | None = None
    connect_timeout: timedelta | None = None
    retries: int | None = None
    max_retry_after: timedelta | None = None
    verify: bool | Path | None = None
    proxies: dict[str, str] | None = None
    legacy_triggers: bool | None = None
    deadline: timedelta | None = None
    predict_timeout: timedelta | None = None
    transform_tag: str | None = None
    """Default ``transform_tag`` of `Predict Emails`: the email integration's tag, so the
    platform parses raw emails as that mailbox integration does."""

    @classmethod
    def given(
        cls, *, token: Secret | str | None = None, where: str = "token", **options: object
    ) -> ConnectionOptions:
        """Options from keyword or import arguments; a plain-text token is refused here, naming ``where``."""
        token_value(token, where)
        return cls(token=token if isinstance(token, Secret) else None, **options)  # type: ignore[arg-type]

    def over(self, base: ConnectionOptions) -> ConnectionOptions:
        """These options where given, ``base``'s where not (``None`` means inherit)."""
        return replace(
            base, **{f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}
        )

    def settings(self) -> ConnectionSettings:
        """Client settings: these options, then the environment, then the built-in defaults."""
        url = _given_or_env(self.url, URL_ENV, "url", "URL")
        token = _given_or_env(token_value(self.token), TOKEN_ENV, "token", "token")
        missing = [name for name, value in (("URL", url), ("token", token)) if not value]
        if missing:
            raise ReinferConfigurationError(
                f"Cannot connect to Reinfer: no {' and no '.join(missing)}. Give url= and token= to "
                f"Connect To Reinfer (token as a Secret: `${{TOKEN: Secret}}    %{{{TOKEN_ENV}}}`), "
                f"or set the {URL_ENV} and {TOKEN_ENV} environment variables."
            )
        assert url is not None and token is not None  # for mypy: checked just above
        resolved = self.over(BUILT_IN)
        assert resolved.retries is not None and resolved.max_retry_after is not None
        assert resolved.timeout is not None and resolved.connect_timeout is not None
        assert resolved.verify is not None
        if resolved.retries < 0:
            raise ReinferConfigurationError(f"retries must be 0 or more, got {resolved.retries}.")
        for name in ("timeout", "connect_timeout", "max_retry_after", "deadline", "predict_timeout"):
            if getattr(resolved, name) is None:  # deadline: None means 3 x the read timeout
                continue
            value = seconds(getattr(resolved, name))
            zero_allowed = name == "max_retry_after"
            if value < 0 or (value == 0 and not zero_allowed):
                bound = "0 seconds or more" if zero_allowed else "more than 0 seconds"
                raise ReinferConfigurationError(f"{name} must be {bound}, got {value:g}.")
        return ConnectionSettings(
            url=url,
            token=token,
            timeout=(seconds(resolved.connect_timeout), seconds(resolved.timeout)),
            retries=resolved.retries,
            max_retry_after=seconds(resolved.max_retry_after),
            verify=verify_setting(resolved.verify),
            proxies=dict(resolved.proxies) if resolved.proxies else None,
            legacy_triggers=bool(resolved.legacy_triggers),
            deadline=seconds(resolved.deadline) if resolved.deadline is not None else None,
            predict_timeout=seconds(resolved.predict_timeout or BUILT_IN_PREDICT_TIMEOUT),
        )


BUILT_IN_PREDICT_TIMEOUT = timedelta(seconds=240)
BUILT_IN = ConnectionOptions(
    timeout=timedelta(seconds=60),
    connect_timeout=timedelta(seconds=10),
    retries=3,
    max_retry_after=timedelta(seconds=60),
    verify=True,
    legacy_triggers=False,
    predict_timeout=BUILT_IN_PREDICT_TIMEOUT,
)
"""What a connection uses when neither the keyword, the import nor the environment says."""


def _given_or_env(value: str | None, env: str, argument: str, what: str) -> str | None:
    # Given but empty is a mistake in the robot, never a reason to use the environment's value.
    if value is None:
        return os.environ.get(env) or None
    if not value.strip():
        raise ReinferConfigurationError(
            f"The Reinfer {what} given as {argument}= is empty. Give a non-empty {argument}=, or leave "
            f"{argument}= out to read the {env} environment variable (an empty value never falls back to it)."
        )
    return value

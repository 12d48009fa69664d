"""Connecting to a tenant, switching between connections, closing them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from robot.api.deco import keyword
from robot.api.types import Secret

from ..errors import ReinferConfigurationError
from .base import LibraryComponent, safe_url, token_value


class ConnectionKeywords(LibraryComponent):
    """Keywords of the ``Connection`` area."""

    @keyword(tags=("Connection",))
    def connect_to_reinfer(
        self,
        url: str | None = None,
        token: Secret | str | None = None,
        dataset: str | None = None,
        alias: str | None = None,
        timeout: timedelta = timedelta(seconds=60),
        connect_timeout: timedelta = timedelta(seconds=10),
        retries: int = 3,
        verify: bool | Path = True,
        proxies: dict[str, str] | None = None,
        legacy_triggers: bool = False,
        max_retry_after: timedelta | None = None,
    ) -> int:
        """Open a connection to a Re:infer / Communications Mining tenant and make it current.

        Nothing is sent to the server until the first keyword that needs it, so a wrong
        URL or token shows up at that keyword (as an ``authentication`` or ``connection``
        error). See `Connecting` and `Secrets and pabot`.

        Args:
            url: Base URL, everything before ``/api``, such as
                ``https://cloud.uipath.com/org/tenant/reinfer_``; a URL ending in ``/api`` or
                ``/api/v1`` is refused. Default: the library import's ``url``, then the
                ``REINFER_URL`` environment variable.
            token: API token as a ``Secret`` (``${TOKEN: Secret}    %{REINFER_TOKEN}``).
                Default: the import's ``token``, then ``REINFER_TOKEN``. Plain text is
                refused, because it would be written to the logs.
            dataset: Default dataset (``owner/name``) of the keywords that use this
                connection, such as ``acme/retail-inbox``.
            alias: Name for `Switch Reinfer Connection`.
            timeout: Read timeout of each HTTP call.
            connect_timeout: Connect timeout of each HTTP call.
            retries: Extra attempts for calls that are safe to repeat (see `Retries`).
            max_retry_after: Longest wait the library accepts from a server's
                ``Retry-After`` header before retrying (default: the import's, 60 seconds).
                A server asking for longer fails the keyword at once with a
                ``Technical error (rate limited)`` saying how long it asked for, instead of
                retrying into the same refusal.
            verify: ``True`` to check TLS certificates, ``False`` not to (never in
                production), or the path of a CA bundle file.
            proxies: Proxy URLs by scheme, e.g. ``{"https": "http://proxy:3128"}``.
            legacy_triggers: Use the pre-2023 ``/triggers`` routes (old tenants).

        Returns:
            The index of the connection (1 for the first), usable with
            `Switch Reinfer Connection`.

        Example:
        | VAR | ${TOKEN: Secret} | %{REINFER_TOKEN} | # or in the Variables section |
        | Connect To Reinfer | url=%{REINFER_URL} | token=${TOKEN} | dataset=acme/retail-inbox |
        | Connect To Reinfer | dataset=acme/retail-inbox | alias=prod | # URL and token from the environment |
        | Connect To Reinfer | timeout=2 min | retries=5 | verify=${CURDIR}/corporate-ca.pem |
        | Connect To Reinfer | max_retry_after=5 min | # a nightly robot may wait out a long throttle |
        """
        settings = self.ctx.settings_for(
            url,
            token_value(token),
            timeout,
            connect_timeout,
            retries,
            verify,
            proxies,
            legacy_triggers,
            max_retry_after,
        )
        index = self.ctx.open(settings, dataset, alias)
        details = [f"dataset {dataset}" if dataset else "no default dataset"]
        if alias:
            details.append(f"alias {alias!r}")
        if legacy_triggers:
            details.append("legacy /triggers routes")
        self.info(f"Connected to {safe_url(settings.base_url)} as connection {index} ({', '.join(details)}).")
        return index

    @keyword(tags=("Connection",))
    def switch_reinfer_connection(self, alias: str) -> int:
        """Make another open connection the current one.

        Args:
            alias: The alias given to `Connect To Reinfer`, or the index it returned.

        Returns:
            The index of the now current connection.

        Example:
        | Connect To Reinfer | dataset=acme/retail-inbox | alias=inbox |
        | Connect To Reinfer | dataset=acme/claims | alias=claims |
        | Switch Reinfer Connection | inbox |
        """
        connections = self.ctx.connections
        try:
            connection = connections.get_connection(alias)
        except RuntimeError:
            connection = None
        if connection is None or connection.closed:
            raise ReinferConfigurationError(
                f"No open Reinfer connection with alias or index {alias!r}; "
                f"open ones: {', '.join(self.ctx.open_aliases()) or 'none'}."
            )
        connections.switch(connection)
        index = self.ctx.connections.current_index or 0
        self.info(f"Switched to Reinfer connection {index} ({safe_url(connection.url)}).")
        return index

    @keyword(tags=("Connection",))
    def close_reinfer_connection(self) -> None:
        """Close the current connection.

        Other connections stay open; use `Switch Reinfer Connection` to pick one, or
        `Close All Reinfer Connections` in a suite teardown. Until then, keywords fail with
        ``No Reinfer connection is open``: they do not connect from ``REINFER_URL`` by
        themselves again, since that may be another tenant than the one just closed.

        Example:
        | Close Reinfer Connection |
        """
        connections = self.ctx.connections
        if not connections:
            self.info("No current Reinfer connection to close.")
            return
        connection = connections.current
        connection.close()
        connections.current_index = None
        self.info(f"Closed the Reinfer connection to {safe_url(connection.url)}.")

    @keyword(tags=("Connection",))
    def close_all_reinfer_connections(self) -> None:
        """Close every connection this library opened.

        Indexes start from 1 again afterwards. Fits ``Suite Teardown``. Keywords then
        need a new `Connect To Reinfer`; they do not connect from the environment by
        themselves again.

        Example:
        | Close All Reinfer Connections | | # e.g. as Suite Teardown |
        """
        count = len(self.ctx.open_aliases())
        self.ctx.connections.close_all()
        self.info(f"Closed {count} Reinfer connection(s).")

"""Connecting to a tenant, switching between connections, closing them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from robot.api.deco import keyword
from robot.api.types import Secret

from .base import LibraryComponent, safe_url
from .options import ConnectionOptions


class ConnectionKeywords(LibraryComponent):
    """Keywords of the ``Connection`` area."""

    @keyword(tags=("Connection",))
    def connect_to_reinfer(
        self,
        url: str | None = None,
        token: Secret | str | None = None,
        dataset: str | None = None,
        alias: str | None = None,
        timeout: timedelta | None = None,
        connect_timeout: timedelta | None = None,
        retries: int | None = None,
        verify: bool | Path | None = None,
        proxies: dict[str, str] | None = None,
        legacy_triggers: bool | None = None,
        max_retry_after: timedelta | None = None,
        deadline: timedelta | None = None,
        predict_timeout: timedelta | None = None,
        transform_tag: str | None = None,
    ) -> int:
        """Open a connection to a Re:infer / Communications Mining tenant and make it current.

        Nothing is sent to the server until the first keyword that needs it, so a wrong
        URL or token shows up at that keyword (as an ``authentication`` or ``connection``
        error). See `Connecting` and `Secrets and pabot`.

        Every argument left out inherits the library import's value, and only when the
        import did not give it either: ``url`` and ``token`` the environment variables,
        the others the defaults named below. An empty ``url`` or ``token`` is an error,
        never a reason to read the environment.

        Args:
            url: Base URL, everything before ``/api``, such as
                ``https://cloud.uipath.com/org/tenant/reinfer_``; a URL ending in ``/api`` or
                ``/api/v1`` is refused. Default: the library import's ``url``, then the
                ``REINFER_URL`` environment variable.
            token: API token as a ``Secret`` (``${TOKEN: Secret}    %{REINFER_TOKEN}``).
                Default: the import's ``token``, then ``REINFER_TOKEN``. Plain text is
                refused: by then Robot Framework has written it to output.xml (rotate it).
            dataset: Default dataset (``owner/name``) of the keywords that use this
                connection, such as ``acme/retail-inbox``. Default: the import's.
            alias: Name for `Switch Reinfer Connection`.
            timeout: Read timeout of each HTTP call (default: the import's, else 60 seconds).
            connect_timeout: Connect timeout of each HTTP call (default: the import's,
                else 10 seconds).
            retries: Extra attempts for calls that are safe to repeat (see `Retries`;
                default: the import's, else 3).
            max_retry_after: Longest wait the library accepts from a server's
                ``Retry-After`` header before retrying (default: the import's, else 60 seconds).
                A server asking for longer fails the keyword at once with a
                ``Technical error (rate limited)`` saying how long it asked for, instead of
                retrying into the same refusal.
            verify: ``True`` to check TLS certificates, ``False`` not to (never in
                production), or the path of a CA bundle file (default: the import's, else ``True``).
            proxies: Proxy URLs by scheme, e.g. ``{"https": "http://proxy:3128"}``
                (default: the import's).
            legacy_triggers: Use the pre-2023 ``/triggers`` routes (old tenants; default:
                the import's, else ``False``).
            deadline: How long one HTTP attempt may take in all, connecting and reading
                the whole answer, however steadily a server trickles it (``timeout`` only
                bounds each wait for data). Default: the import's, else 3 x ``timeout``.
                Exceeding it is a ``Technical error (timeout)`` that names the deadline.
            predict_timeout: Least read timeout of the Predict keywords (default: the
                import's, else 4 minutes, as the official CLI waits): predictions are
                billable and never repeated after a read timeout, so they get time to finish.
            transform_tag: The email integration's tag (given when the integration was set
                up), sent with every `Predict Emails` that does not give its own, so the
                platform parses raw emails as that mailbox integration does (default: the
                import's, else none).

        Returns:
            The index of the connection (1 for the first), usable with
            `Switch Reinfer Connection`.

        Example:
        | VAR | ${TOKEN: Secret} | %{REINFER_TOKEN} | # or in the Variables section |
        | Connect To Reinfer | url=%{REINFER_URL} | token=${TOKEN} | dataset=acme/retail-inbox |
        | Connect To Reinfer | dataset=acme/retail-inbox | alias=prod | # URL and token from the environment |
        | Connect To Reinfer | timeout=2 min | retries=5 | verify=${CURDIR}/corporate-ca.pem |
        | Connect To Reinfer | max_retry_after=5 min | # a nightly robot may wait out a long throttle |
        | Connect To Reinfer | timeout=30 s | deadline=2 min | # no call lasts longer than 2 minutes |
        """
        options = ConnectionOptions.given(
            url=url,
            token=token,
            dataset=dataset,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retries=retries,
            verify=verify,
            proxies=proxies,
            legacy_triggers=legacy_triggers,
            max_retry_after=max_retry_after,
            deadline=deadline,
            predict_timeout=predict_timeout,
            transform_tag=transform_tag,
        )
        index = self.ctx.open(options, alias)
        connection = self.connection
        details = [f"dataset {connection.dataset}" if connection.dataset else "no default dataset"]
        if alias:
            details.append(f"alias {alias!r}")
        if connection.client.settings.legacy_triggers:
            details.append("legacy /triggers routes")
        self.info(f"Connected to {safe_url(connection.url)} as connection {index} ({', '.join(details)}).")
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
        connection = self.ctx.connections.switch(alias)
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
        connection = self.ctx.connections.close_current()
        if connection is None:
            self.info("No current Reinfer connection to close.")
            return
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
        count = self.ctx.connections.close_all()
        self.info(f"Closed {count} Reinfer connection(s).")

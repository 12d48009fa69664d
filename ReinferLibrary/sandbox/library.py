"""Robot Framework keywords that start, stop and steer a local sandbox server."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import requests
from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from ..version import __version__
from .extra import require_sandbox_extra
from .runner import SandboxServer

# Without the sandbox extra, `Library    ReinferLibrary.sandbox.SandboxLibrary` fails on import
# with one line naming the extra, not later with a server that cannot start.
require_sandbox_extra()

URL_ENV = "REINFER_URL"
TOKEN_ENV = "REINFER_TOKEN"  # noqa: S105 - the name of a variable, not a secret
DEMO_DATASET = "acme/retail-inbox"


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class SandboxLibrary:
    """Runs the ReinferLibrary sandbox: a local Re:infer / Communications Mining API server.

    The sandbox speaks the real REST API (streams, triggers, predict routes, sources,
    datasets, comments, model tags, validation) backed by SQLite and a real trained model,
    so robots run offline. With the default ``seed=demo`` an empty data directory gets the
    demo tenant: project ``acme``, source and dataset ``retail-inbox``, stream ``routing``,
    model version 1 tagged ``live`` and version 2 tagged ``staging``.

    `Start Reinfer Sandbox` sets the ``REINFER_URL`` and ``REINFER_TOKEN`` environment
    variables of the robot process by default, so ``Connect To Reinfer`` with no arguments
    talks to the sandbox; `Stop Reinfer Sandbox` restores them. The token is random unless
    given and is only ever handed out as a ``Secret`` (see `Get Sandbox Token`).

    The library has GLOBAL scope: one sandbox serves the whole run unless stopped.

    = Example =

    | *** Settings ***
    | Library           ReinferLibrary.sandbox.SandboxLibrary
    | Library           ReinferLibrary
    | Suite Setup       Start Reinfer Sandbox
    | Suite Teardown    Stop Reinfer Sandbox
    |
    | *** Tasks ***
    | Route The Inbox
    |     Connect To Reinfer    dataset=acme/retail-inbox
    |     ${batch}=    Fetch Trigger Batch    routing    size=32
    """

    def __init__(self) -> None:
        self._server: SandboxServer | None = None
        self._saved_env: dict[str, str | None] | None = None

    def _require(self) -> SandboxServer:
        if self._server is None or self._server.url is None:
            raise RuntimeError("No sandbox is running: call Start Reinfer Sandbox first.")
        return self._server

    def _admin(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        server = self._require()
        response = requests.request(
            method,
            f"{server.url}/api/_sandbox{path}",
            json=body,
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=(10, 300),
        )
        payload: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"Sandbox {method} {path} failed: {payload.get('message', response.text)}")
        return payload

    @keyword(tags=["Sandbox"])
    def start_reinfer_sandbox(
        self,
        data_dir: Path | None = None,
        seed: Literal["demo", "none"] = "demo",
        faults: str | None = None,
        port: int = 0,
        token: Secret | None = None,
        set_environment: bool = True,
        timeout: timedelta = timedelta(seconds=90),
        replay: Path | None = None,
    ) -> str:
        """Start a sandbox server and return its base URL (``http://127.0.0.1:PORT``).

        Args:
            data_dir: where its SQLite database lives. Empty means a temporary directory
                that `Stop Reinfer Sandbox` deletes. An existing directory is reused as it is:
                streams keep their positions.
            seed: ``demo`` loads the demo tenant into an empty data directory (about two
                seconds, it trains two models); ``none`` starts empty.
            faults: a fault spec such as ``fetch:429@0.3,advance:drop@0.2,seed=1``; see
                `Set Sandbox Faults`.
            port: 0 picks a free port.
            token: the bearer token clients must send, as a ``Secret`` (e.g. from
                ``${TOKEN: Secret}    %{MY_TOKEN}``); random when not given.
            set_environment: set ``REINFER_URL`` and ``REINFER_TOKEN`` for this process.
            timeout: how long to wait for the server to become ready.
            replay: a cassette from ``reinfer-sandbox record`` or ``Record Trigger Batches``
                to serve instead of the demo tenant: the recorded stream, with exactly the
                recorded predictions (give an empty or no ``data_dir``).

        Example:
        | ${url}=    Start Reinfer Sandbox
        | ${url}=    Start Reinfer Sandbox    replay=${CURDIR}/routing.jsonl
        | ${url}=    Start Reinfer Sandbox    data_dir=${TEMPDIR}/sandbox    faults=fetch:503@0.2,seed=1
        """
        if self._server is not None and self._server.running:
            raise RuntimeError(f"A sandbox is already running at {self._server.url}: stop it first.")
        server = SandboxServer(
            data_dir=data_dir,
            token=token.value if token is not None else None,
            port=port,
            seed=seed,
            faults=faults,
            startup_timeout=timeout.total_seconds(),
            replay=replay,
        )
        url = server.start()
        self._server = server
        if set_environment:
            self._saved_env = {name: os.environ.get(name) for name in (URL_ENV, TOKEN_ENV)}
            os.environ[URL_ENV] = url
            os.environ[TOKEN_ENV] = server.token
        logger.info(f"Reinfer sandbox ready at {url} (data in {server.data_dir}).")
        return url

    @keyword(tags=["Sandbox"])
    def stop_reinfer_sandbox(self) -> None:
        """Stop the sandbox (no-op when none runs) and restore ``REINFER_URL`` / ``REINFER_TOKEN``.

        A temporary data directory is deleted; a given ``data_dir`` is kept for a later start.

        Example:
        | Suite Teardown    Stop Reinfer Sandbox
        """
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        if self._saved_env is not None:
            for name, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._saved_env = None

    @keyword(tags=["Sandbox"])
    def restart_reinfer_sandbox(self) -> str:
        """Stop the sandbox and start it again with the same data, token and port.

        Streams keep their positions: use it to prove a robot survives a server restart.

        Example:
        | Restart Reinfer Sandbox
        | ${batch}=    Fetch Trigger Batch    routing
        """
        url = self._require().restart()
        logger.info(f"Reinfer sandbox restarted at {url}.")
        return url

    @keyword(tags=["Sandbox"])
    def get_sandbox_url(self) -> str:
        """Return the base URL of the running sandbox (everything before ``/api``).

        Example:
        | ${url}=    Get Sandbox Url
        | Connect To Reinfer    url=${url}    token=${token}
        """
        url = self._require().url
        assert url is not None
        return url

    @keyword(tags=["Sandbox"])
    def get_sandbox_token(self) -> Secret:
        """Return the running sandbox's bearer token as a ``Secret`` (never logged).

        Example:
        | ${token}=    Get Sandbox Token
        | Connect To Reinfer    url=${url}    token=${token}
        """
        return Secret(self._require().token)

    @keyword(tags=["Sandbox"])
    def set_sandbox_faults(self, spec: str = "") -> None:
        """Replace the fault injection plan of the running sandbox; an empty spec switches it off.

        Items are ``ROUTE:KIND[@PROBABILITY]`` separated by commas, plus ``seed=N`` for
        repeatable dice. ROUTE is ``*``, a route name (``fetch``, ``results``, ``advance``,
        ``reset``, ``exceptions``, ``streams``, ``predict``, ``sync``, ``comments``,
        ``datasets``, ``sources``, ``projects``, ``validation``, ``model-tags``) or an HTTP
        method (``get``, ``post``, ``put``, ``delete``). KIND is ``429`` (with
        ``Retry-After: 1``), ``429-noretry``, any 4xx/5xx code, ``slow=2s`` / ``slow=250ms``
        or ``drop`` (close the connection without answering). An injected error's message
        names the item as written, e.g. ``injected by the sandbox fault 'fetch:429@0.3'``.

        ``infer`` is the Elasticsearch inference route (``POST /_ml/trained_models/ID/_infer``);
        only items naming it apply there (``*`` and ``post`` do not), and its errors come in
        Elasticsearch's error shape.

        Example:
        | Set Sandbox Faults    fetch:429@0.3,fetch:503@0.1,advance:drop@0.2,*:slow=2s@0.05,seed=7
        | Set Sandbox Faults    infer:429@0.5,infer:slow=1s@0.2,seed=3
        | Set Sandbox Faults    # all faults off
        """
        self._admin("PUT", "/faults", {"spec": spec})
        logger.info(f"Sandbox faults: {spec or 'off'}.")

    @keyword(tags=["Sandbox"])
    def train_sandbox_model(
        self, tags: list[Literal["live", "staging"]] | None = None, dataset: str = DEMO_DATASET, seed: int = 0
    ) -> int:
        """Train a new model version from the dataset's reviewed labels, pin it, and return its number.

        Args:
            tags: model tags (``live``, ``staging``) to move to the new version.
            dataset: ``owner/name`` of the dataset.
            seed: training seed (the same data and seed give the same model).

        Example:
        | ${version}=    Train Sandbox Model    tags=${{["staging"]}}
        """
        payload = self._admin("POST", f"/datasets/{dataset}/train", {"tags": list(tags or []), "seed": seed})
        version = int(payload["version"])
        logger.info(f"Trained model version {version} of {dataset}.")
        return version

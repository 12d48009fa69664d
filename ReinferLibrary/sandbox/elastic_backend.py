"""The sandbox's own models behind the emulated Elasticsearch routes (:mod:`.elastic`).

At the sandbox's base URL, ``/_ml/trained_models`` lists:

* ``<dataset name>-v<version>``: every pinned model version of every dataset, as a
  ``text_classification`` model whose classes are the label names (``"Parent > Child"``);
* ``<dataset name>-ner``: the entity extractor, as an ``ner`` model (every dataset gets one
  id; they share the extractor);
* ``sandbox-zero-shot``: a ``zero_shot_classification`` model scoring the labels each request
  names against the text (:mod:`.nlp.zero_shot`: wording and tone, no training).

If two projects hold datasets with the same name, the first project (by name) owns the ids.
Authentication uses the sandbox token, sent as ``ApiKey <token>``, ``Bearer <token>`` or
HTTP Basic with any user name and the token as password (so username/password connections
can be tested too).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from .context import Sandbox
from .nlp.entities import extract_entities
from .nlp.zero_shot import zero_shot
from .predictor import LoadedModel

ZERO_SHOT_MODEL = "sandbox-zero-shot"


class SandboxElasticBackend:
    """Implements ``elastic.ElasticBackend`` over the sandbox's store and predictor."""

    def __init__(self, sandbox: Sandbox, token: str) -> None:
        self.sandbox = sandbox
        self._token = token.encode()
        self._accepted = (f"ApiKey {token}".encode(), f"Bearer {token}".encode())

    def check_auth(self, authorization_header: str | None) -> bool:
        given = (authorization_header or "").strip()
        scheme, _, credentials = given.partition(" ")
        if scheme.lower() == "basic":
            return self._basic_password_ok(credentials.strip())
        return any(hmac.compare_digest(given.encode(), accepted) for accepted in self._accepted)

    def _basic_password_ok(self, credentials: str) -> bool:
        try:
            decoded = base64.b64decode(credentials, validate=True)
        except (binascii.Error, ValueError):
            return False
        user, colon, password = decoded.partition(b":")
        # Any user name: the sandbox has one secret, the token, and it is the password.
        return bool(colon) and bool(user) and hmac.compare_digest(password, self._token)

    def _catalogue(self) -> tuple[dict[str, tuple[str, int]], list[str]]:
        classifiers: dict[str, tuple[str, int]] = {}
        extractors: list[str] = []
        for dataset in self.sandbox.store.list_datasets():
            for version, _, pinned in sorted(self.sandbox.store.list_models(dataset["id"])):
                if pinned:
                    classifiers.setdefault(f"{dataset['name']}-v{version}", (dataset["id"], version))
            if f"{dataset['name']}-ner" not in extractors:
                extractors.append(f"{dataset['name']}-ner")
        return classifiers, extractors

    def _model(self, model_id: str) -> LoadedModel | None:
        found = self._catalogue()[0].get(model_id)
        return self.sandbox.predictor.load(*found) if found else None

    def model_ids(self) -> list[str]:
        classifiers, extractors = self._catalogue()
        return [*classifiers, *extractors, ZERO_SHOT_MODEL]

    def classification_labels(self, model_id: str) -> list[str] | None:
        model = self._model(model_id)
        return list(model.labels) if model is not None else None

    def classify(self, model_id: str, texts: list[str]) -> list[dict[str, float]]:
        model = self._model(model_id)
        if model is None:
            raise KeyError(model_id)
        return [dict(zip(model.labels, row, strict=True)) for row in model.score(texts)]

    def ner(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        return [extract_entities([{"body": {"text": text}}], None) for text in texts]

    def zero_shot_model_ids(self) -> list[str]:
        return [ZERO_SHOT_MODEL]

    def zero_shot(
        self, texts: list[str], labels: list[str], multi_label: bool
    ) -> list[list[tuple[float, float]]]:
        return [zero_shot(text, labels, multi_label) for text in texts]

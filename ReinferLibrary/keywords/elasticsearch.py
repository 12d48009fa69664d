"""Keywords that ask Elasticsearch trained models, answering in the same item shape as a stream.

An Elasticsearch cluster is another server with other credentials than the Communications
Mining tenant, and a robot may talk to both at once: its connections are kept in the shared
context's own registry (``context.elasticsearch``), opened, switched and closed like the
tenant's.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.utils import DotDict

from ..client.elasticsearch import ElasticsearchClient, ElasticsearchSettings
from ..errors import ReinferConfigurationError
from ..models.elastic import InferenceTask, Truncate
from ..models.items import Item
from .base import ElasticsearchConnection, LibraryComponent, log_attempt, safe_url, to_robot
from .options import ALREADY_LOGGED, seconds, token_value, verify_setting

URL_ENV = "ELASTICSEARCH_URL"
API_KEY_ENV = "ELASTICSEARCH_API_KEY"
ALL_CLASSES = -1
"""``num_top_classes`` asking for every class (the default of `Infer With Trained Model`)."""


def _secret_value(value: Secret | str | None, name: str) -> str | None:
    """The value of a Secret; plain text is refused with advice that fits Elasticsearch."""
    advice = ALREADY_LOGGED + (
        f"Pass the new one as a Secret: put `${{ES_KEY: Secret}}    %{{{API_KEY_ENV}}}` in *** Variables *** "
        f"and use {name}=${{ES_KEY}}, or leave it out to read the {API_KEY_ENV} environment variable."
    )
    return token_value(value, f"Elasticsearch {name}", advice)


def _log_item(item: Item) -> None:
    # One cheap line per item: what a person reads in log.html, never the raw JSON.
    parts = [f"{label.name} {label.probability:.2f}" for label in item.labels[:5]]
    if len(item.labels) > 5:
        parts.append(f"... {len(item.labels) - 5} more")
    if item.entities:
        parts.append(
            "entities: "
            + ", ".join(f"{entity.name}={entity.formatted_value!r}" for entity in item.entities[:5])
        )
    extra = item.model_extra or {}
    if extra.get("is_truncated"):
        parts.append("input truncated")
    logger.info(f"{item.uid}: {'; '.join(parts) if parts else 'no labels or entities'}")


class ElasticsearchKeywords(LibraryComponent):
    """Keywords of the ``Elasticsearch`` area: connect, infer with trained models (``_infer`` API)."""

    @property
    def es_client(self) -> ElasticsearchClient:
        """The current Elasticsearch connection's client."""
        return self.ctx.elasticsearch.current.client

    @keyword(tags=("Elasticsearch",))
    def connect_to_elasticsearch(
        self,
        url: str | None = None,
        api_key: Secret | str | None = None,
        username: str | None = None,
        password: Secret | str | None = None,
        alias: str | None = None,
        bearer_token: Secret | str | None = None,
        verify: bool | Path = True,
        timeout: timedelta = timedelta(seconds=30),
    ) -> int:
        """Connect to an Elasticsearch cluster for trained-model inference.

        Makes no call: the first `Infer With Trained Model` or `Get Trained Model` does.
        The new connection becomes the current one; `Switch Elasticsearch Connection`
        goes back to another.

        Args:
            url: Base URL of the cluster, e.g. ``https://es.example.com:9200``.
                Taken from the ``ELASTICSEARCH_URL`` environment variable when not given.
            api_key: Encoded API key as a ``Secret``, sent as ``Authorization: ApiKey <key>``.
                Taken from ``ELASTICSEARCH_API_KEY`` when neither an API key nor a username is given.
            username: User for basic authentication (with ``password``) instead of an API key.
            password: Password of ``username``, as a ``Secret``.
            alias: Name to switch back to this connection with.
            bearer_token: An OAuth2 or service-account token as a ``Secret``, sent as
                ``Authorization: Bearer <token>``: the third way to authenticate, instead of an
                API key or a username and password.
            verify: ``True`` (default) verifies TLS certificates against the system's CAs (or
                ``REQUESTS_CA_BUNDLE`` when set), ``False`` does not (never do that in production),
                or the path of a CA bundle file (corporate CAs, self-signed clusters). A path or
                ``False`` given here wins over ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``; a path
                that does not exist fails here, before any call.
            timeout: Read timeout per call; an inference ``timeout`` longer than this extends it.

        Returns:
            The index of the connection (usable like an alias).

        Credentials never appear in logs or error messages; plain text is refused, because
        Robot Framework would already have written it to the log. Pass them from the environment.
        They are always the ones sent: a ``~/.netrc`` entry for the host never replaces them.

        Example:
        | VAR | ${ES_KEY: Secret} | %{ELASTICSEARCH_API_KEY} | # or in the Variables section |
        | Connect To Elasticsearch | https://es.example.com:9200 | api_key=${ES_KEY} |
        | Connect To Elasticsearch | %{ES_URL} | username=robot | password=${ES_PASSWORD} | verify=ca.pem |
        | Connect To Elasticsearch | # URL and API key from ELASTICSEARCH_URL and ELASTICSEARCH_API_KEY |
        | Connect To Elasticsearch | %{ES_URL} | bearer_token=${ES_TOKEN} |

        Elasticsearch 8.3 or newer is needed: ``POST /_ml/trained_models/{id}/_infer`` exists from 8.3
        (older clusters only had ``.../deployment/_infer``).
        """
        base = url or os.environ.get(URL_ENV)
        if not base:
            raise ReinferConfigurationError(
                f"No Elasticsearch URL: pass url= or set the {URL_ENV} environment variable."
            )
        key = _secret_value(api_key, "api_key")
        secret = _secret_value(password, "password")
        token = _secret_value(bearer_token, "bearer_token")
        if key is None and username is None and token is None:
            key = os.environ.get(API_KEY_ENV) or None
        read = seconds(timeout)
        settings = ElasticsearchSettings(
            url=base,
            api_key=key,
            bearer_token=token,
            username=username,
            password=secret,
            timeout=(min(10.0, read), read),
            verify=verify_setting(verify),
        )
        client = ElasticsearchClient(settings, on_call=log_attempt)
        index = self.ctx.elasticsearch.register(ElasticsearchConnection(client, settings.base_url, alias))
        how = (
            "an API key"
            if key
            else "a bearer token"
            if token
            else "basic authentication"
            if username
            else "no authentication"
        )
        self.info(
            f"Connected to Elasticsearch at {safe_url(settings.base_url)} with {how} "
            f"as connection {index}{f' ({alias!r})' if alias else ''}."
        )
        return index

    @keyword(tags=("Elasticsearch",))
    def switch_elasticsearch_connection(self, alias: str) -> int:
        """Make another Elasticsearch connection the current one.

        Args:
            alias: The alias given to `Connect To Elasticsearch`, or the index it returned.

        Returns:
            The index of the now current connection.

        Example:
        | Connect To Elasticsearch | %{PROD_ES} | api_key=${PROD_KEY} | alias=prod |
        | Connect To Elasticsearch | %{TEST_ES} | api_key=${TEST_KEY} | alias=test |
        | Switch Elasticsearch Connection | prod |
        """
        self.ctx.elasticsearch.switch(alias)
        return self.ctx.elasticsearch.current_index or 0

    @keyword(tags=("Elasticsearch",))
    def close_all_elasticsearch_connections(self) -> None:
        """Close every Elasticsearch connection; indexes start from 1 again afterwards.

        Fits ``Suite Teardown``.

        Example:
        | Close All Elasticsearch Connections |
        """
        self.ctx.elasticsearch.close_all()

    @keyword(tags=("Elasticsearch",))
    def infer_with_trained_model(
        self,
        model_id: str,
        text: str | list[str],
        task: InferenceTask = InferenceTask.text_classification,
        labels: list[str] | None = None,
        multi_label: bool | None = None,
        num_top_classes: int | None = None,
        results_field: str | None = None,
        truncate: Truncate | None = None,
        span: int | None = None,
        timeout: timedelta | None = None,
        question: str | None = None,
    ) -> Any:
        """Ask an Elasticsearch trained model about a text; return the answer as an item.

        Calls ``POST /_ml/trained_models/{model_id}/_infer`` with one doc per text, the text in
        the model's input field (``input.field_names`` of its configuration, read once per
        model and connection with ``GET /_ml/trained_models/{model_id}``; usually ``text_field``).
        For ``text_classification`` the library asks for every class
        (``num_top_classes: -1``) unless ``num_top_classes`` is given; other options, and
        ``inference_config`` for the other tasks, are sent only when given, so otherwise
        the model answers with its own configuration.

        *Every class by default* differs from Elasticsearch, whose default is ``0`` (only the
        predicted class, as ``predicted_value``). With one label per item,
        `Labels Above Threshold` could not apply its thresholds to the other labels, and the
        same robot would route an Elasticsearch answer differently from a `Predict Text` or
        stream answer. Pass ``num_top_classes=0`` to get Elasticsearch's own default back
        (one label: the predicted class), or a positive number for that many classes.

        The answer has the same shape as a fetched stream item, so `Labels Above Threshold`,
        `Has Label`, `Get Entities` and the other item keywords work on it unchanged:

        - classification (``text_classification``, ``zero_shot_classification``): ``labels``
          from ``top_classes`` (``class_name`` as the label name, ``"A > B"`` form, with
          ``class_probability``), or the predicted value with ``prediction_probability``
          when the model returned no top classes; highest first.
        - ``ner``: ``entities`` named by their class (``ORG``, ``order_number``...), with the
          entity text as ``formatted_value``, the model's probability and a body span.
        - ``question_answering``: one ``answer`` entity.
        - every item also carries ``model_id``, ``task``, ``predicted_value``,
          ``prediction_probability``, ``prediction_score`` and ``is_truncated``; its
          ``comment`` holds the text (uid ``es:<model_id>:<n>``, ``n`` counting from 0).

        Args:
            model_id: The trained model's id.
            text: One text, or a list of texts (one doc each, one item each).
            task: The model's task: ``text_classification`` (default), ``zero_shot_classification``,
                ``ner``, ``fill_mask``, ``text_embedding``, ``text_expansion``, ``pass_through``,
                ``question_answering``.
            labels: Zero-shot only: the labels to choose from; required unless the model
                stores its own (``zero_shot_classification.labels`` in its configuration).
            multi_label: Zero-shot only: score each label on its own instead of as one choice.
            num_top_classes: Classification, fill-mask and question answering: how many top classes
                to return (``-1`` for all, ``0`` for the predicted class alone). Default for
                ``text_classification``: ``-1`` (every label, see above); for the other tasks
                the model's own setting.
            results_field: Field the model writes its predicted value to (default ``predicted_value``).
            truncate: Tokenization: ``first``, ``second`` or ``none`` (fail on long input instead of
                truncating). Leave it out for the model's default; ``None`` written in the robot
                means ``none``. Sent under the model's tokenizer type, as the server requires
                (``{"tokenization": {"bert": {"truncate": "first"}}}``; the type is read from the
                model's configuration).
            span: Tokenization window overlap for long input. Only with ``truncate=none``:
                Elasticsearch refuses a span with the model's default truncation (``first``),
                so the keyword refuses it before the call.
            timeout: How long Elasticsearch waits for the model (sent as ``?timeout=30s``;
                the server's default is 10 seconds).
            question: Question answering only: the question to answer from the text.

        Returns:
            One item for a text, a list of items for a list of texts.

        Failures worth telling apart, by how the message starts (see `Errors`):

        | = Message = | = When = |
        | ``Business error (inference warning)`` | the model could not read a text (a ``warning``) |
        | ``Technical error (rate limited)`` | the deployment's queue is full (429) |
        | ``Technical error (timeout)`` | the model did not answer in time |
        | ``Technical error (connection)`` | no connection, or an untrusted certificate (not retried) |

        Example:
        | ${item} = | Infer With Trained Model | retail-inbox-v1 | My parcel never arrived |
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${THRESHOLDS} | # every label scored |
        | ${item} = | Infer With Trained Model | retail-inbox-v1 | ${text} | num_top_classes=0 |
        | Log | Predicted ${item.predicted_value} (${item.prediction_probability}) | # one label |
        | ${item} = | Infer With Trained Model | retail-inbox-ner | Order ACM-104233 is late | task=ner |
        | ${orders} = | Get Entities | ${item} | name=order_number |
        | ${item} = | Infer With Trained Model | my-zero-shot | ${text} | task=zero shot classification |
        | ... | labels=${LABELS} | multi_label=True |
        | @{items} = | Infer With Trained Model | retail-inbox-v1 | ${texts} | timeout=1 min |
        """
        texts = [text] if isinstance(text, str) else list(text)
        if not texts:
            raise ReinferConfigurationError(
                "Infer With Trained Model needs at least one text; the list is empty."
            )
        if task is InferenceTask.text_classification and num_top_classes is None:
            # Every label with its probability, so thresholds route it as they route Predict Text.
            num_top_classes = ALL_CLASSES
        items = self.es_client.infer_items(
            model_id,
            texts,
            task,
            labels=labels,
            multi_label=multi_label,
            num_top_classes=num_top_classes,
            results_field=results_field,
            truncate=truncate,
            span=span,
            question=question,
            timeout=seconds(timeout) if timeout is not None else None,
        )
        for item in items:
            _log_item(item)
        converted = [to_robot(item) for item in items]
        return converted[0] if isinstance(text, str) else converted

    @keyword(tags=("Elasticsearch",))
    def get_trained_model(self, model_id: str) -> DotDict:
        """Return a summary of a trained model's configuration (``GET /_ml/trained_models/{model_id}``).

        The summary has ``model_id``, ``task`` (the key of its ``inference_config``, e.g.
        ``text_classification`` or ``ner``), ``labels`` (its ``classification_labels``, or
        ``None``), ``model_type``, ``description``, ``version``, ``create_time``, ``tags``,
        ``input_fields`` and the raw ``inference_config``.

        Args:
            model_id: The trained model's id (``*`` wildcards allowed; the first match is returned).

        Returns:
            The summary described above, as a dictionary (``${model.task}``, ``${model}[labels]``).

        Example:
        | ${model} = | Get Trained Model | retail-inbox-v1 |
        | Should Be Equal | ${model.task} | text_classification |
        | List Should Contain Value | ${model.labels} | Order > Missing |
        """
        summary: dict[str, Any] = self.es_client.get_trained_model(model_id).summary()
        labels: list[str] | None = summary["labels"]
        count = f"{len(labels)} label(s)" if labels is not None else "no classification labels"
        self.info(f"Model {summary['model_id']}: task {summary['task']}, {count}.")
        result: DotDict = to_robot(summary)
        return result

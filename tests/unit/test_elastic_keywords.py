"""The Elasticsearch keyword component called from Python, over mocked HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import responses
from responses import matchers
from robot.api.types import Secret
from robot.utils import DotDict

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.elasticsearch import ElasticsearchKeywords
from ReinferLibrary.keywords.options import ConnectionOptions
from ReinferLibrary.models.elastic import InferenceTask

URL = "http://es.test:9200"
KEY = "a2V5LWZvci10ZXN0cw=="
INFER = f"{URL}/_ml/trained_models/m/_infer"
ANSWER = {
    "inference_results": [
        {
            "predicted_value": "Order",
            "prediction_probability": 0.9,
            "top_classes": [
                {"class_name": "Order", "class_probability": 0.9, "class_score": 0.9},
                {"class_name": ["Order", "Missing"], "class_probability": 0.7, "class_score": 0.7},
            ],
        }
    ]
}


@pytest.fixture(autouse=True)
def model_configs() -> None:
    """``GET /_ml/trained_models/m`` on both test clusters: the client reads a model's input field
    and tokenizer once per connection before its first inference (the default mock does not
    require every registered answer to be used)."""
    for base in (URL, "http://other.test:9200"):
        options = {"tokenization": {"bert": {"truncate": "first"}}}
        config = {
            "model_id": "m",
            "input": {"field_names": ["text_field"]},
            "inference_config": {"text_classification": options},
        }
        responses.get(f"{base}/_ml/trained_models/m", json={"count": 1, "trained_model_configs": [config]})


@pytest.fixture
def component(monkeypatch: pytest.MonkeyPatch) -> Iterator[ElasticsearchKeywords]:
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("ELASTICSEARCH_API_KEY", raising=False)
    keywords = ElasticsearchKeywords(LibraryContext(ConnectionOptions()))
    yield keywords
    keywords.close_all_elasticsearch_connections()


@responses.activate
def test_url_and_api_key_come_from_the_environment(
    component: ElasticsearchKeywords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", URL)
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", KEY)
    responses.post(INFER, json=ANSWER, match=[matchers.header_matcher({"Authorization": f"ApiKey {KEY}"})])
    assert component.connect_to_elasticsearch() == 1
    component.infer_with_trained_model("m", "hello")


@responses.activate
def test_secret_api_key_wins_over_the_environment(
    component: ElasticsearchKeywords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", "from-env")
    responses.post(INFER, json=ANSWER, match=[matchers.header_matcher({"Authorization": f"ApiKey {KEY}"})])
    component.connect_to_elasticsearch(URL, api_key=Secret(KEY))
    component.infer_with_trained_model("m", "hello")


@responses.activate
def test_basic_authentication_ignores_the_environment_key(
    component: ElasticsearchKeywords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", "from-env")
    basic = "Basic " + base64.b64encode(b"robot:pw").decode()
    responses.post(INFER, json=ANSWER, match=[matchers.header_matcher({"Authorization": basic})])
    component.connect_to_elasticsearch(URL, username="robot", password=Secret("pw"))
    component.infer_with_trained_model("m", "hello")


def test_no_url_is_a_configuration_error(component: ElasticsearchKeywords) -> None:
    with pytest.raises(ReinferConfigurationError, match="pass url= or set the ELASTICSEARCH_URL"):
        component.connect_to_elasticsearch()


def test_no_connection_is_a_configuration_error(component: ElasticsearchKeywords) -> None:
    with pytest.raises(ReinferConfigurationError, match="call Connect To Elasticsearch first"):
        component.infer_with_trained_model("m", "hello")


def test_verify_path_and_timeout_reach_the_client(component: ElasticsearchKeywords, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    component.connect_to_elasticsearch(URL, verify=bundle, timeout=timedelta(seconds=45))
    settings = component.es_client.settings
    assert settings.verify == str(bundle)
    assert settings.timeout == (10.0, 45.0)


@responses.activate
def test_items_are_dotdicts_natural_in_robot_files(component: ElasticsearchKeywords) -> None:
    responses.post(INFER, json=ANSWER)
    component.connect_to_elasticsearch(URL)
    item = component.infer_with_trained_model("m", "My parcel never arrived", num_top_classes=2)
    assert isinstance(item, DotDict)
    assert item.origin == "elasticsearch"
    assert item["labels"][1].name == "Order > Missing"
    assert isinstance(item.labels[0], DotDict)
    assert item.comment.messages[0].body.text == "My parcel never arrived"
    assert json.loads(json.dumps(item))["uid"] == "es:m:0"


@responses.activate
def test_a_list_of_texts_gives_a_list_of_items(component: ElasticsearchKeywords) -> None:
    responses.post(INFER, json={"inference_results": ANSWER["inference_results"] * 2})
    component.connect_to_elasticsearch(URL)
    items = component.infer_with_trained_model("m", ["one", "two"])
    assert isinstance(items, list)
    assert [item.uid for item in items] == ["es:m:0", "es:m:1"]
    with pytest.raises(ReinferConfigurationError, match="at least one text"):
        component.infer_with_trained_model("m", [])


@responses.activate
def test_keyword_options_shape_the_request(component: ElasticsearchKeywords) -> None:
    responses.post(
        INFER,
        json={"inference_results": [{"predicted_value": "glad", "prediction_probability": 0.8}]},
        match=[matchers.query_param_matcher({"timeout": "1500ms"})],
    )
    component.connect_to_elasticsearch(URL)
    item = component.infer_with_trained_model(
        "m",
        "happy",
        task=InferenceTask.zero_shot_classification,
        labels=["glad", "sad"],
        multi_label=True,
        truncate="first",
        timeout=timedelta(seconds=1.5),
    )
    assert json.loads(responses.calls[-1].request.body) == {  # type: ignore[arg-type]
        "docs": [{"text_field": "happy"}],
        "inference_config": {
            "zero_shot_classification": {
                "labels": ["glad", "sad"],
                "multi_label": True,
                "tokenization": {"bert": {"truncate": "first"}},
            }
        },
    }
    assert item.labels[0].name == "glad"


@responses.activate
def test_switching_connections_by_alias(component: ElasticsearchKeywords) -> None:
    other = "http://other.test:9200"
    responses.post(f"{other}/_ml/trained_models/m/_infer", json=ANSWER)
    component.connect_to_elasticsearch(other, alias="other")
    component.connect_to_elasticsearch(URL, alias="main")
    assert component.switch_elasticsearch_connection("other") == 1
    component.infer_with_trained_model("m", "x")
    assert all(call.request.url.startswith(other) for call in responses.calls)  # type: ignore[union-attr]
    with pytest.raises(
        ReinferConfigurationError,
        match="No open Elasticsearch connection with alias or index 'nope'; open ones: other, main",
    ):
        component.switch_elasticsearch_connection("nope")


@responses.activate
def test_get_trained_model_summary(component: ElasticsearchKeywords) -> None:
    responses.get(
        f"{URL}/_ml/trained_models/n",
        json={
            "count": 1,
            "trained_model_configs": [
                {"model_id": "n", "inference_config": {"ner": {"classification_labels": ["O", "B-PER"]}}}
            ],
        },
    )
    component.connect_to_elasticsearch(URL)
    model = component.get_trained_model("n")
    assert isinstance(model, DotDict)
    assert (model.model_id, model.task, model.labels) == ("n", "ner", ["O", "B-PER"])


def test_plain_text_secrets_are_refused(component: ElasticsearchKeywords) -> None:
    with pytest.raises(
        ReinferConfigurationError,
        match=r"api_key was given as plain text\. Robot Framework has already written it .* rotate it .* "
        r"Pass the new one as a Secret",
    ):
        component.connect_to_elasticsearch(URL, api_key=KEY)
    with pytest.raises(ReinferConfigurationError, match="password was given as plain text"):
        component.connect_to_elasticsearch(URL, username="robot", password="pw")


def test_a_missing_ca_bundle_fails_at_connect(component: ElasticsearchKeywords, tmp_path: Path) -> None:
    with pytest.raises(
        ReinferConfigurationError, match=r"The CA bundle '.*nope\.pem' given as verify= does not"
    ):
        component.connect_to_elasticsearch(URL, verify=tmp_path / "nope.pem")


def _sent_config() -> object:
    return json.loads(responses.calls[-1].request.body).get("inference_config")  # type: ignore[arg-type]


@responses.activate
def test_text_classification_asks_for_every_class_unless_told(component: ElasticsearchKeywords) -> None:
    responses.post(INFER, json=ANSWER)
    component.connect_to_elasticsearch(URL)
    item = component.infer_with_trained_model("m", "My parcel never arrived")
    assert _sent_config() == {"text_classification": {"num_top_classes": -1}}
    assert [label.name for label in item.labels] == ["Order", "Order > Missing"]
    component.infer_with_trained_model("m", "x", num_top_classes=0)
    assert _sent_config() == {"text_classification": {"num_top_classes": 0}}
    component.infer_with_trained_model("m", "x", num_top_classes=3)
    assert _sent_config() == {"text_classification": {"num_top_classes": 3}}


@responses.activate
def test_other_tasks_keep_the_model_defaults(component: ElasticsearchKeywords) -> None:
    responses.post(INFER, json={"inference_results": [{"predicted_value": "x", "entities": []}]})
    component.connect_to_elasticsearch(URL)
    component.infer_with_trained_model("m", "x", task=InferenceTask.ner)
    assert _sent_config() is None


def test_span_without_truncate_none_is_refused_before_any_call(component: ElasticsearchKeywords) -> None:
    component.connect_to_elasticsearch(URL)
    with responses.RequestsMock() as mocked:  # no route: any call would fail the test
        with pytest.raises(ReinferConfigurationError, match="span=64 needs truncate=none"):
            component.infer_with_trained_model("m", "x", span=64)
        assert len(mocked.calls) == 0


@responses.activate
def test_bearer_token_connects_and_stays_secret(component: ElasticsearchKeywords) -> None:
    token = "service-account-token-0123456789"
    responses.post(INFER, json=ANSWER, match=[matchers.header_matcher({"Authorization": f"Bearer {token}"})])
    component.connect_to_elasticsearch(URL, bearer_token=Secret(token))
    component.infer_with_trained_model("m", "hello")
    with pytest.raises(ReinferConfigurationError, match="bearer_token"):
        component.connect_to_elasticsearch(URL, bearer_token=token)
    with pytest.raises(ReinferConfigurationError, match="one way to authenticate"):
        component.connect_to_elasticsearch(URL, api_key=Secret(KEY), bearer_token=Secret(token))

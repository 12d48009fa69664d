"""URL paths of the API, built from robot arguments.

Datasets and sources are named ``"owner/name"`` in one argument, as in the Re:infer UI.
Each segment is percent-encoded on its own, so the owner/name slash stays a real path
separator (the normal form; the CLI's ``owner%2Fname`` form is never sent).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote, urlsplit

from ..errors import ReinferConfigurationError
from ..models.versions import parse_model_version

API = "/api/v1"
PRIVATE_API = "/api/_private"
PREVIEW_API = "/api/preview"
"""Where older tenants serve the stream ``/results`` route."""

PredictKind = Literal["predict", "predict-comments", "predict-raw-emails"]


def check_base_url(url: str, what: str, example: str, shown: str) -> None:
    """Refuse a base URL requests could not use, as a configuration error naming it.

    ``http://[::1`` (urllib raises a bare ``ValueError``), ``http://`` or ``https:///x`` with no
    host (requests would fail every call as if the network were down), a bad port, and a
    scheme other than http(s). ``shown`` is the URL as an error may quote it (no password).
    """
    advice = f"give the base URL, e.g. {example}"
    if not url.startswith(("http://", "https://")):
        raise ReinferConfigurationError(f"{what} {shown!r} must start with http:// or https:// ({advice}).")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number 0-65535
    except ValueError as exc:
        raise ReinferConfigurationError(f"{what} {shown!r} is not a valid URL ({exc}): {advice}.") from None
    if not parts.hostname:
        raise ReinferConfigurationError(f"{what} {shown!r} has no host name: {advice}.")


def _segment(value: str) -> str:
    return quote(value, safe="")


def split_full_name(value: str, kind: str = "dataset") -> tuple[str, str]:
    """Split ``"owner/name"`` (spaces around either part tolerated) into its two parts."""
    parts = [part.strip() for part in str(value).split("/")]
    if len(parts) != 2 or not all(parts):
        raise ReinferConfigurationError(
            f"{kind.capitalize()} {value!r} is not in the form 'owner/name' (project/{kind}), "
            "e.g. 'acme/retail-inbox'."
        )
    return parts[0], parts[1]


def plain_name(value: str, kind: str) -> str:
    """A single-segment name (stream, comment id): not empty, no slash."""
    name = str(value).strip()
    if not name or "/" in name:
        raise ReinferConfigurationError(
            f"{kind.capitalize()} {value!r} must be plain and non-empty, without '/' "
            "(the dataset or source is its own 'owner/name' argument)."
        )
    return name


def model_version(value: int | str) -> str:
    """A model version path segment: a pinned number, ``live`` or ``staging`` (one reader for all)."""
    return str(parse_model_version(value))


class Routes:
    """Path builder for one client; ``legacy_triggers`` swaps ``streams`` for ``triggers``."""

    def __init__(self, legacy_triggers: bool = False) -> None:
        self.legacy_triggers = legacy_triggers
        self.collection = "triggers" if legacy_triggers else "streams"
        self.stream_key = "trigger" if legacy_triggers else "stream"
        """Body key of one stream in create/update requests and in responses."""
        self.list_key = self.collection
        """Response key of the stream list."""

    @staticmethod
    def dataset(dataset: str, prefix: str = API) -> str:
        owner, name = split_full_name(dataset, "dataset")
        return f"{prefix}/datasets/{_segment(owner)}/{_segment(name)}"

    @staticmethod
    def source(source: str) -> str:
        owner, name = split_full_name(source, "source")
        return f"{API}/sources/{_segment(owner)}/{_segment(name)}"

    def streams(self, dataset: str, prefix: str = API) -> str:
        return f"{self.dataset(dataset, prefix)}/{self.collection}"

    def stream(self, dataset: str, stream: str, action: str | None = None, prefix: str = API) -> str:
        path = f"{self.streams(dataset, prefix)}/{_segment(plain_name(stream, 'stream name'))}"
        return f"{path}/{action}" if action else path

    def comment(self, source: str, comment_id: str) -> str:
        return f"{self.source(source)}/comments/{_segment(plain_name(comment_id, 'comment id'))}"

    def comments(self, source: str) -> str:
        return f"{self.source(source)}/comments"

    def sync(self, source: str) -> str:
        return f"{self.source(source)}/sync"

    @staticmethod
    def attachment(reference: str) -> str:
        return f"{API}/attachments/{_segment(plain_name(reference, 'attachment reference'))}"

    def model_tags(self, dataset: str) -> str:
        return f"{self.dataset(dataset)}/model-tags"

    def labeller(self, dataset: str, version: int | str, action: str, prefix: str = API) -> str:
        return f"{self.dataset(dataset, prefix)}/labellers/{_segment(model_version(version))}/{action}"

    def predict(self, dataset: str, version: int | str, kind: PredictKind = "predict") -> str:
        return self.labeller(dataset, version, kind)

    def validation(self, dataset: str, version: int | str) -> str:
        return self.labeller(dataset, version, "validation")

    def full_validation(self, dataset: str, version: int | str) -> str:
        return self.labeller(dataset, version, "validation", prefix=PRIVATE_API)

    def label_validation(self, dataset: str, version: int | str) -> str:
        return self.labeller(dataset, version, "label-validation", prefix=PRIVATE_API)

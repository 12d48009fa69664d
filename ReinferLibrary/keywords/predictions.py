"""Predictions on demand: ask a pinned model about text, stored comments or raw emails.

Every answer is a list of items in the same shape as a fetched batch's items (origin
``predict``), so `Labels Above Threshold`, `Has Label` and the entity keywords work on
them unchanged. Each item says which model version answered (``model.version``) and
when it was pinned (``model.time``). The requests are built in :mod:`ReinferLibrary.logic.predict_requests`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from robot.api.deco import keyword
from robot.utils import DotDict

from ..errors import NotFoundError, ReinferConfigurationError, ReinferError
from ..logic.emails import raw_email_document, read_raw_email
from ..logic.items import item_uid
from ..logic.labels import present_labels_text
from ..logic.predict_requests import (
    ApiThreshold,
    LabelSpec,
    chunks,
    needs_taxonomy,
    one_threshold,
    text_document,
    text_uid,
    threshold_request,
    threshold_text,
    typed_user_properties,
    uids_and_comments,
)
from ..logic.report import item_html
from ..logic.thresholds import ThresholdRule, threshold_rule
from ..models import Comment, Item, ThresholdConfig, parse_model_version
from .base import LibraryComponent, ModelTaxonomy
from .model_reads import pinned_version

DEFAULT_VERSION = "live"

ThresholdArg = float | Literal["auto"] | ThresholdConfig | None
"""One number 0..1, ``auto``, or thresholds (label -> number, or the result of `Load Thresholds`)."""


# --- the keywords -----------------------------------------------------------------------


class PredictionKeywords(LibraryComponent):
    """Keywords of the ``Predictions`` area."""

    def _taxonomy(self, dataset: str, version: int | str) -> list[str]:
        """The label names of the model version asked for, read once per connection and version.

        A robot predicts many times; the dataset's taxonomy may hold labels added after the
        version was pinned, which that version does not know (the request would fail).
        """
        cached = self.connection.taxonomies.get((dataset, version))
        if cached is not None:
            return cached.labels
        summary = self.client.get_validation(dataset, version)
        # A summary that lists no labels (older tenants): the dataset's taxonomy is the best known.
        names = [label.name for label in summary.labels] or self.client.get_dataset(dataset).label_names
        self.connection.taxonomies[(dataset, version)] = ModelTaxonomy(names, summary.version)
        return names

    def _forget_taxonomy(self, dataset: str, version: int | str) -> None:
        self.connection.taxonomies.pop((dataset, version), None)

    def _version(self, model_version: int | str | None, threshold: Any) -> int | str:
        if model_version is None and isinstance(threshold, ThresholdConfig):
            model_version = threshold.model_version
        return parse_model_version(DEFAULT_VERSION if model_version is None else model_version)

    def _ask(
        self,
        dataset: str,
        version: int | str,
        threshold: Any,
        send: Callable[[ApiThreshold, LabelSpec], list[Item]],
    ) -> list[Item]:
        """Send the predict request(s) with the request's threshold and labels made from ``threshold``.

        When the labels list a model's taxonomy read earlier, a failed request, or an
        answer from another version than the one read (a tag was moved), drops what was
        read, so the next prediction reads the taxonomy again.
        """
        listed = needs_taxonomy(threshold)
        taxonomy = self._taxonomy(dataset, version) if listed else None
        api_threshold, labels = threshold_request(threshold, taxonomy)
        try:
            items = send(api_threshold, labels)
        except ReinferError as error:
            if listed:
                self._forget_taxonomy(dataset, version)
            if isinstance(error, NotFoundError):
                # An unpinned version is a configuration error, as in every other keyword;
                # anything else not found (a comment uid, the dataset) stays what it was.
                pinned_version(self.client, dataset, version)
            raise
        if listed:
            cached = self.connection.taxonomies.get((dataset, version))
            answered = {item.model.version for item in items if item.model is not None}
            if cached is not None and cached.version is not None and answered - {cached.version}:
                self.debug(
                    f"Model version {', '.join(map(str, sorted(answered)))} answered for {version!r}, whose "
                    f"labels were read from version {cached.version}: they are read again next time."
                )
                self._forget_taxonomy(dataset, version)
        return items

    def _report(
        self,
        items: list[Item],
        what: str,
        dataset: str,
        asked: int | str,
        threshold: Any,
    ) -> list[DotDict]:
        """Log the answer (one line, then one table per item) and convert it for Robot."""
        models = {(item.model.version, item.model.time) for item in items if item.model is not None}
        if models:
            answered = ", ".join(
                f"{version} (pinned {time or 'at an unknown time'})"
                for version, time in sorted(models, key=str)
            )
        else:
            answered = "unknown (the answer did not say)"
        if len(items) == 1 and not item_uid(items[0]):
            labels = present_labels_text(items[0], 5)
        else:
            labels = "; ".join(
                f"{item_uid(item) or f'#{index + 1}'}: {present_labels_text(item, 5)}"
                for index, item in enumerate(items[:3])
            )
        more = f"; and {len(items) - 3} more" if len(items) > 3 else ""
        self.info(
            f"Predicted {len(items)} {what} of {dataset} with model version {answered}, asked for "
            f"{asked!r}, using {threshold_text(threshold)}. Labels: {labels or 'none'}{more}. "
            f"Cost: {len(items)} AI unit(s) on a real tenant ({self.client.predicted} predicted on "
            "this connection so far)."
        )
        self._warn_version_drift(items, threshold)
        rule: ThresholdRule | None = None
        if isinstance(threshold, (ThresholdConfig, Mapping)):
            rule = threshold_rule(threshold)
        result: list[DotDict] = self.to_robot(items)
        for item in result:
            self.info(item_html(item, rule), html=True)
        return result

    def _warn_version_drift(self, items: list[Item], threshold: Any) -> None:
        if not isinstance(threshold, ThresholdConfig) or not isinstance(threshold.model_version, int):
            return
        versions = {item.model.version for item in items if item.model is not None}
        if versions and versions != {threshold.model_version}:
            self.warn(
                f"Thresholds from {threshold.source or 'the config'} were chosen for model version "
                f"{threshold.model_version}, but model version {', '.join(map(str, sorted(versions)))} "
                "answered; check them with Verify Model Configuration."
            )

    @keyword(tags=("Predictions",))
    def get_prediction_count(self) -> int:
        """Return how many comments the current connection has sent for prediction so far.

        Each predicted comment costs one AI unit on a real tenant (items fetched from a
        stream already carry predictions and cost nothing more). The count covers
        `Predict Text`, `Predict Comments` and `Predict Emails` calls that were answered.

        Returns:
            The number of comments predicted on this connection.

        Example:
        | Predict Text | ${text} |
        | ${spent} = | Get Prediction Count |
        | Should Be True | ${spent} <= ${BUDGET} | AI unit budget of this run exceeded |
        """
        count = self.client.predicted
        self.info(f"{count} comment(s) predicted on this connection ({count} AI unit(s) on a real tenant).")
        return count

    @keyword(tags=("Predictions",))
    def predict_text(
        self,
        text: str,
        *,
        subject: str | None = None,
        sender: str | None = None,
        timestamp: datetime | None = None,
        user_properties: dict | None = None,
        model_version: int | str | None = None,
        threshold: ThresholdArg = None,
        thresholds: ThresholdConfig | None = None,
        dataset: str | None = None,
    ) -> DotDict:
        """Ask a pinned model about a text that is not stored in the platform.

        Nothing is uploaded; the answer comes from the model version asked for (see
        `Predictions on demand`). Costs one AI unit; a call that may have reached the
        server is never repeated by the library (see `Retries`). Every argument after ``text`` is
        named (``subject=``, ``thresholds=``): a value given by position fails instead of
        silently becoming the subject.

        Args:
            text: The message body.
            subject: The subject line, if the text is an email.
            sender: The sender's address (``from``).
            timestamp: When the message was sent; relative dates in the text ("tomorrow")
                are resolved against it. A time without a time zone is taken as UTC.
            user_properties: Metadata such as ``Country=UK``; text values become
                ``string:`` properties and numbers (``${120}``) ``number:`` properties.
                Keys written ``string:Name`` or ``number:Name`` are sent as they are.
            model_version: A pinned version number, ``live`` or ``staging``. Default: the
                ``model_version`` of a `Load Thresholds` config given as ``threshold``,
                else ``live``.
            threshold: One number 0..1 (labels at or above it come back; the server's
                default is 0.25), ``auto`` (labels that clear one of the model's own
                thresholds, each with its ``auto_thresholds``), a dictionary of label ->
                number (only those labels, each with its own threshold), or the result of
                `Load Thresholds` (when it has a ``default`` or ``auto``, every label of the
                model version asked for is requested; its labels are read once per version).
            thresholds: The same as ``threshold`` given a dictionary or a `Load Thresholds`
                result, spelled as every other keyword spells it; give one of the two.
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            One item, shaped like the items of `Fetch Trigger Batch`: ``labels``,
            ``entities``, ``label_properties``, ``comment`` (the text sent), ``origin``
            ``predict``, ``model`` with ``version`` (the number that answered, also
            for ``live``) and ``time`` (when that version was pinned), and ``uid``
            ``text:<16 hex digits>``: the same text always gets the same identifier (a key
            for logs and hand-off; it names no stored comment).

        Example:
        | ${item} = | Predict Text | My order ACM-104233 never arrived | subject=Where is my order? |
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${config} |
        | Log | Model version ${item.model.version} answered |
        | ${item} = | Predict Text | ${body} | model_version=staging | threshold=auto |
        | ${best} = | Labels Above Threshold | ${item} | auto=high_precision |
        """
        threshold = one_threshold(threshold, thresholds)
        dataset = self.dataset(dataset)
        version = self._version(model_version, threshold)
        document = text_document(text, subject, sender, timestamp, user_properties)
        items = self._ask(
            dataset,
            version,
            threshold,
            lambda api_threshold, labels: self.client.predict(
                dataset, version, [document], threshold=api_threshold, labels=labels
            ),
        )
        if len(items) != 1:
            raise ReinferConfigurationError(
                f"Predict on {dataset} returned {len(items)} answers for one text; the server's answer "
                "is not what the API documents."
            )
        item = items[0]
        item.uid = text_uid(document)
        item.comment = Comment.model_validate({"id": "", "uid": "", **document})
        return self._report(items, "text", dataset, version, threshold)[0]

    @keyword(tags=("Predictions",))
    def predict_comments(
        self,
        uids_or_items: list | dict | str,
        *,
        model_version: int | str | None = None,
        threshold: ThresholdArg = None,
        thresholds: ThresholdConfig | None = None,
        dataset: str | None = None,
    ) -> list[DotDict]:
        """Ask a pinned model about comments already stored in the platform.

        Useful to compare model versions on the same comments, or to re-check comments
        fetched earlier with another version. Costs one AI unit per comment (a call that
        may have reached the server is never repeated, see `Retries`); lists
        longer than 4096 are sent in several requests. Arguments after the first are named.

        Args:
            uids_or_items: Comment uids (``<source id>.<comment id>``), items, or a batch
                from `Fetch Trigger Batch` (all its items).
            model_version: A pinned version number, ``live`` or ``staging``. Default: the
                ``model_version`` of a `Load Thresholds` config given as ``threshold``,
                else ``live``.
            threshold: As in `Predict Text`: a number, ``auto``, a dictionary of label
                -> number, or the result of `Load Thresholds`.
            thresholds: As in `Predict Text`: ``threshold`` spelled as elsewhere.
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            One item per uid given, in the same order, shaped like fetched items with
            ``model.version`` and ``model.time``. Items made from items keep their
            ``comment``; items from bare uids have ``comment`` ``None`` (the Predict API
            sends no comments): read one with `Get Comment` when you need its text.

        Example:
        | ${batch} = | Fetch Trigger Batch | routing |
        | ${staging} = | Predict Comments | ${batch} | model_version=staging | threshold=auto |
        | FOR | ${item} | IN | @{staging} |
        | | ${labels} = | Labels Above Threshold | ${item} | auto=balanced |
        | END |
        | ${items} = | Predict Comments | ${{["18ba5ce699f8da1f.a0001"]}} | model_version=1 |
        """
        threshold = one_threshold(threshold, thresholds)
        dataset = self.dataset(dataset)
        version = self._version(model_version, threshold)
        pairs = uids_and_comments(uids_or_items)
        if not pairs:
            self.info("No comments to predict on.")
            return []
        unique = list(dict.fromkeys(uid for uid, _ in pairs))

        def send(api_threshold: ApiThreshold, labels: LabelSpec) -> list[Item]:
            items: list[Item] = []
            for chunk in chunks(unique):
                items += self.client.predict_comments(
                    dataset, version, chunk, threshold=api_threshold, labels=labels
                )
            return items

        answered = {item.uid: item for item in self._ask(dataset, version, threshold, send)}
        missing = [uid for uid in unique if uid not in answered]
        if missing:
            self.warn(
                f"The answer has no prediction for {len(missing)} comment(s): {', '.join(missing[:10])}."
            )
        for uid, comment in pairs:
            # The answer has no comments; the ones the robot passed in make the items whole.
            if comment is not None and uid in answered and answered[uid].comment is None:
                try:
                    answered[uid].comment = Comment.model_validate(comment)
                except ValidationError:
                    self.debug(f"The comment passed in for {uid} is not a comment; its item has none.")
        ordered = [answered[uid] for uid, _ in pairs if uid in answered]
        return self._report(ordered, "stored comment(s)", dataset, version, threshold)

    @keyword(tags=("Predictions",))
    def predict_emails(
        self,
        email: str | list,
        *,
        model_version: int | str | None = None,
        threshold: ThresholdArg = None,
        thresholds: ThresholdConfig | None = None,
        dataset: str | None = None,
        user_properties: dict | None = None,
        transform_tag: str | None = None,
    ) -> list[DotDict]:
        """Ask a pinned model about raw emails (RFC 822), as text or ``.eml`` files.

        The platform parses each email as its mailbox integration would (headers,
        plain and HTML bodies, attachment names), so ``comment`` of each answer shows
        what the model read. Costs one AI unit per email; a call that may have reached
        the server is never repeated by the library (see `Retries`). Arguments after the
        first are named.

        Args:
            email: The raw email text (headers, a blank line, the body), the path of an
                ``.eml`` file, or a list of them. Text containing a line break is an
                email; a single line is a path.
            model_version: A pinned version number, ``live`` or ``staging``. Default: the
                ``model_version`` of a `Load Thresholds` config given as ``threshold``,
                else ``live``.
            threshold: As in `Predict Text`: a number, ``auto``, a dictionary of label
                -> number, or the result of `Load Thresholds`.
            thresholds: As in `Predict Text`: ``threshold`` spelled as elsewhere.
            dataset: ``owner/name``; default: the connection's dataset.
            user_properties: Metadata for every email, as in `Predict Text`.
            transform_tag: The tag of your email integration (given when the integration was
                set up): the platform then parses the emails exactly as that mailbox
                integration does. Default: the connection's ``transform_tag`` (see
                `Connect To Reinfer`), else none (the platform's generic parsing).

        Returns:
            One item per email, in order, shaped like fetched items: ``labels``,
            ``entities``, ``label_properties``, ``comment`` (the email as the platform
            parsed it) and ``model`` with ``version`` and ``time``.

        Example:
        | ${items} = | Predict Emails | ${CURDIR}/data/missing-order.eml | threshold=auto |
        | ${labels} = | Labels Above Threshold | ${items}[0] | auto=balanced |
        | ${order} = | Get Entity Value | ${items}[0] | order_number |
        | ${items} = | Predict Emails | ${raw} | transform_tag=${MAILBOX_TAG} |
        """
        threshold = one_threshold(threshold, thresholds)
        tag = transform_tag or self.connection.transform_tag
        dataset = self.dataset(dataset)
        version = self._version(model_version, threshold)
        emails = email if isinstance(email, list) else [email]
        if not emails:
            self.info("No emails to predict on.")
            return []
        properties = typed_user_properties(user_properties)
        documents = [raw_email_document(read_raw_email(value), properties) for value in emails]

        def send(api_threshold: ApiThreshold, labels: LabelSpec) -> list[Item]:
            items: list[Item] = []
            for chunk in chunks(documents):
                items += self.client.predict_raw_emails(
                    dataset,
                    version,
                    chunk,
                    threshold=api_threshold,
                    labels=labels,
                    include_comments=True,
                    transform_tag=tag,
                )
            return items

        items = self._ask(dataset, version, threshold, send)
        return self._report(items, "email(s)", dataset, version, threshold)

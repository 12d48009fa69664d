"""Streams (called triggers here, after the API's older name): define, read, advance, reset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError
from robot.api.deco import keyword
from robot.utils import DotDict

from ..errors import NotFoundError, ReinferConfigurationError
from ..logic.auto_names import note_origin
from ..logic.items import check_item, item_uid
from ..logic.model_versions import answer_version_warning, tag_version
from ..logic.report import item_html
from ..logic.thresholds import ThresholdRule, as_config, canonical_thresholds, check_threshold, threshold_rule
from ..models import Batch, Item, ThresholdConfig, parse_model_version
from ..models.base import validation_problems
from ..models.items import BatchData
from ..models.moments import STREAM_START, iso_utc, parse_moment
from ..models.streams import MAX_BATCH, LabelThresholdNew, StreamModelNew, StreamNew
from .base import LibraryComponent, RobotBatch, debug_enabled
from .ledger import stream_guard, stream_id
from .stream_safety import check_reset, reset_distance


def _sequence_id(position: Any, trigger: str) -> tuple[str, str]:
    """(sequence id, words for the log) of a batch, an item or a sequence id string."""
    if isinstance(position, str):
        if not position.strip():
            raise ReinferConfigurationError(f"Cannot advance trigger {trigger!r}: the sequence id is empty.")
        return position.strip(), "to the given sequence id"
    position = _position_mapping(position, trigger)
    sequence_id = position.get("sequence_id")
    if not sequence_id:
        raise ReinferConfigurationError(
            f"Cannot advance trigger {trigger!r}: the value has no sequence_id (give the batch from "
            "Fetch Trigger Batch, one of its items, or a sequence id)."
        )
    if "results" in position or "filtered" in position:
        return str(sequence_id), _batch_words(position)
    return str(sequence_id), f"up to and including comment {item_uid(position) or '(no uid)'}"


def _position_mapping(position: Any, trigger: str) -> Mapping[str, Any]:
    """A batch or item as a mapping, refused when it came from another trigger."""
    if isinstance(position, Batch):
        position = position.model_dump(mode="json")
    elif isinstance(position, Item):
        position = {"uid": position.uid, "sequence_id": position.sequence_id}
    if not isinstance(position, Mapping):
        raise ReinferConfigurationError(
            f"Cannot advance trigger {trigger!r} to a {type(position).__name__}: give the batch, "
            "one of its items, or a sequence id."
        )
    fetched_from = position.get("stream")
    if fetched_from and str(fetched_from) != trigger:
        raise ReinferConfigurationError(
            f"Cannot advance trigger {trigger!r} with a batch fetched from trigger {fetched_from!r}: "
            f"a sequence id only means something to its own trigger; advance {fetched_from!r} instead."
        )
    return position


def _batch_words(batch: Mapping[str, Any]) -> str:
    results = len(batch.get("results") or ())
    filtered = int(batch.get("filtered") or 0)
    words = f"past a batch of {results} result(s) and {filtered} filtered comment(s)"
    if not results and filtered:
        words += " (a filtered-only batch: advancing past it keeps the robot from re-reading it forever)"
    return words


def _uids(item_or_uid: Any, keyword: str) -> list[str]:
    values = item_or_uid if isinstance(item_or_uid, list) else [item_or_uid]
    if not values:
        raise ReinferConfigurationError(
            f"{keyword} got an empty list, so there is nothing to do: give an item, a comment uid or a "
            "non-empty list (skip the keyword when there is nothing to mark)."
        )
    uids = []
    for value in values:
        uid = value.strip() if isinstance(value, str) else item_uid(check_item(value))
        if not uid:
            raise ReinferConfigurationError(f"Cannot find a comment uid in {str(value)[:80]!r}.")
        uids.append(uid)
    return uids


class TriggerKeywords(LibraryComponent):
    """Keywords of the ``Trigger`` area."""

    # --- definitions ---------------------------------------------------------------

    def _model_version(self, dataset: str, version: int | str | None) -> int | None:
        """A pinned number; a tag is resolved to the version it points at now."""
        if version is None:
            return None
        parsed = parse_model_version(version)
        if isinstance(parsed, int):
            return parsed
        number = tag_version(parsed, self.client.get_model_tags(dataset), dataset)
        self.info(f"Model tag {parsed!r} of {dataset} points at pinned version {number}.")
        return number

    def _label_thresholds(
        self,
        dataset: str,
        thresholds: ThresholdConfig | Mapping[Any, Any] | Sequence[Any] | None,
        default: float | None,
    ) -> dict[str, float]:
        config = as_config(thresholds) if thresholds is not None else None
        named = canonical_thresholds(config) if config is not None else {}
        if config is not None and default is None:
            default = config.default
        if default is None:
            return named
        # A stream only returns labels it has a number for, so a default is spelled out
        # for every other label of the taxonomy.
        checked = check_threshold(default, "default")
        merged = dict.fromkeys(self.client.get_dataset(dataset).label_names, checked)
        merged.update(named)
        return {name: value for name, value in merged.items() if value is not None}

    def _stream_definition(
        self,
        verb: str,
        dataset: str,
        stream: str,
        model_version: int | str | None,
        thresholds: ThresholdConfig | None,
        comment_filter: dict | None,
        title: str | None,
        description: str | None,
        default: float | None,
    ) -> tuple[StreamNew, dict[str, float]]:
        """The create/update body of a stream and its label thresholds, checked the same way for both."""
        version = model_version
        if version is None and isinstance(thresholds, ThresholdConfig):
            version = thresholds.model_version
        pinned = self._model_version(dataset, version)
        label_thresholds = self._label_thresholds(dataset, thresholds, default)
        if pinned is None and label_thresholds:
            raise ReinferConfigurationError(
                f"Trigger {stream!r} has label thresholds but no model version: give model_version= "
                "(a number, live or staging) or put model_version in the thresholds file."
            )
        try:
            model = None
            if pinned is not None:
                model = StreamModelNew(
                    version=pinned,
                    label_thresholds=[
                        LabelThresholdNew(name=label, threshold=value)
                        for label, value in label_thresholds.items()
                    ],
                )
            body = StreamNew(
                name=stream, title=title, description=description, comment_filter=comment_filter, model=model
            )
        except ValidationError as error:
            raise ReinferConfigurationError(
                f"Cannot {verb} trigger {stream!r}: {validation_problems(error)}."
            ) from None
        if pinned is not None and not label_thresholds:
            self.warn(
                f"Trigger {stream!r} has a model but no label thresholds, so it will return no labels; "
                "give thresholds= or default=."
            )
        return body, label_thresholds

    @keyword(tags=("Trigger",))
    def create_trigger(
        self,
        name: str,
        model_version: int | str | None = None,
        thresholds: ThresholdConfig | None = None,
        comment_filter: dict | None = None,
        title: str | None = None,
        description: str | None = None,
        dataset: str | None = None,
        default: float | None = None,
    ) -> DotDict:
        """Create a trigger (stream) that reads a dataset's comments with a pinned model.

        A stream returns only the labels it has a threshold for, each when its
        confidence is at or above that threshold. See `Streams and triggers`.

        Args:
            name: Stream name: letters, digits, ``_`` and ``-``; or ``owner/dataset/name``.
            model_version: Pinned model version, or a model tag (``live``, ``staging``)
                resolved to its version now. Default: the config's ``model_version``.
            thresholds: Label name -> threshold (0..1), the result of `Load Thresholds`, or
                the API's list of ``{name, threshold}`` entries, e.g.
                ``${other.model.label_thresholds}`` of another trigger from `Get Trigger`.
            comment_filter: The API's comment filter, e.g.
                ``{"user_properties": {"string:Country": {"one_of": ["UK"]}}}``.
            title: Human-readable title.
            description: What the stream is used for.
            dataset: ``owner/name``; default: the connection's dataset.
            default: Threshold for every label of the taxonomy not named in
                ``thresholds`` (default: the config's ``default``).

        Returns:
            The created trigger as a dictionary (``name``, ``id``, ``model``, ...).

        Example:
        | ${config} = | Load Thresholds | ${CURDIR}/thresholds.yaml |
        | Create Trigger | routing | thresholds=${config} | title=Inbox routing |
        | VAR | &{uk} | user_properties=${{ {"string:Country": {"one_of": ["UK"]}} }} |
        | Create Trigger | uk-only | model_version=live | default=0.5 | comment_filter=${uk} |
        | ${routing} = | Get Trigger | routing |
        | Create Trigger | routing-copy | ${routing.model.version} | ${routing.model.label_thresholds} |
        """
        dataset, stream = self.stream(name, dataset)
        body, label_thresholds = self._stream_definition(
            "create", dataset, stream, model_version, thresholds, comment_filter, title, description, default
        )
        pinned = body.model.version if body.model is not None else None
        created = self.client.create_stream(dataset, body)
        version_text = "none" if pinned is None else str(pinned)
        filtered = "yes" if comment_filter else "no"
        self.info(
            f"Created trigger {stream!r} in {dataset} (model version {version_text}, "
            f"{len(label_thresholds)} label threshold(s), comment filter: {filtered})."
        )
        return self.to_robot(created)

    @keyword(tags=("Trigger",))
    def update_trigger(
        self,
        name: str,
        model_version: int | str | None = None,
        thresholds: ThresholdConfig | None = None,
        comment_filter: dict | None = None,
        title: str | None = None,
        description: str | None = None,
        dataset: str | None = None,
        default: float | None = None,
        *,
        remove_model: bool = False,
    ) -> DotDict:
        """Change a trigger (stream): its model version and thresholds, filter, title or description.

        What is not given stays as it is. A new model version or new thresholds replace the
        stream's model as a whole (version *and* thresholds), because thresholds belong to a
        version: with only ``thresholds=`` the stream keeps its version (or takes the config's
        ``model_version``); with only ``model_version=`` it keeps its label thresholds. The
        stream's position does not move. See `Streams and triggers`.

        Args:
            name: Stream name, or ``owner/dataset/name``.
            model_version: New pinned model version, or a model tag (``live``, ``staging``)
                resolved to its version now.
            thresholds: New label thresholds: label -> number, the result of `Load Thresholds`,
                or the API's list of ``{name, threshold}`` entries.
            comment_filter: New comment filter (the API's shape, as for `Create Trigger`).
            title: New title.
            description: New description.
            dataset: ``owner/name``; default: the connection's dataset.
            default: Threshold for every label not named in ``thresholds``.
            remove_model: ``True`` takes the stream's model away (the API's ``"model": null``):
                its comments then come without labels. Not together with a new model.

        Returns:
            The updated trigger as a dictionary.

        Example:
        | ${config} = | Load Thresholds | ${CURDIR}/thresholds-v2.yaml |
        | Update Trigger | routing | thresholds=${config} | # version and thresholds from the file |
        | Update Trigger | routing | model_version=live | # the version the live tag points at now |
        | Update Trigger | routing | title=Inbox routing (EU) |
        | Update Trigger | raw-feed | remove_model=True | # comments only, no predictions |
        """
        dataset, stream = self.stream(name, dataset)
        if remove_model and (model_version is not None or thresholds is not None or default is not None):
            raise ReinferConfigurationError(
                "Update Trigger: give a new model (model_version=, thresholds=, default=) or "
                "remove_model=True, not both."
            )
        changes_model = model_version is not None or thresholds is not None or default is not None
        current = self.client.get_stream(dataset, stream) if changes_model else None
        if current is not None and current.model is not None:
            if model_version is None and not (
                isinstance(thresholds, ThresholdConfig) and thresholds.model_version is not None
            ):
                model_version = current.model.version
            if thresholds is None and default is None:
                kept = [entry.model_dump(exclude_none=True) for entry in current.model.label_thresholds]
                thresholds = as_config(kept)
        body, label_thresholds = self._stream_definition(
            "update", dataset, stream, model_version, thresholds, comment_filter, title, description, default
        )
        updated = self.client.update_stream(dataset, body, remove_model=remove_model)
        self.connection.stream_versions.pop((dataset, stream), None)  # auto names: read its model again
        changed = [
            what
            for what, value in (
                ("model", body.model),
                ("comment filter", comment_filter),
                ("title", title),
                ("description", description),
            )
            if value is not None
        ] + (["model removed"] if remove_model else [])
        model = ""
        if body.model is not None:
            model = f" (model version {body.model.version}, {len(label_thresholds)} label threshold(s))"
        self.info(
            f"Updated trigger {stream!r} in {dataset}: {', '.join(changed) or 'nothing'} changed{model}."
        )
        return self.to_robot(updated)

    @keyword(tags=("Trigger",))
    def get_trigger(self, name: str, dataset: str | None = None) -> DotDict:
        """Read a trigger's definition.

        Args:
            name: Stream name, or ``owner/dataset/name``.
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            The trigger as a dictionary: ``name``, ``title``, ``model.version``,
            ``model.label_thresholds``, ``comment_filter``, ...

        Example:
        | ${trigger} = | Get Trigger | routing |
        | Should Be Equal As Integers | ${trigger.model.version} | 1 |
        """
        dataset, stream = self.stream(name, dataset)
        return self.to_robot(self.client.get_stream(dataset, stream))

    @keyword(tags=("Trigger",))
    def list_triggers(self, dataset: str | None = None) -> list[DotDict]:
        """List the triggers of a dataset.

        Args:
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            A list of trigger dictionaries, as `Get Trigger` returns them.

        Example:
        | ${triggers} = | List Triggers | dataset=acme/retail-inbox |
        | FOR | ${trigger} | IN | @{triggers} |
        | | Log | ${trigger.name} |
        | END |
        """
        dataset = self.dataset(dataset)
        streams = self.client.list_streams(dataset)
        self.info(f"{dataset} has {len(streams)} trigger(s): {', '.join(s.name for s in streams) or 'none'}.")
        return self.to_robot(streams)

    @keyword(tags=("Trigger",))
    def delete_trigger(self, name: str, dataset: str | None = None, missing_ok: bool = False) -> None:
        """Delete a trigger. Comments are not touched; only the stream and its position go.

        Args:
            name: Stream name, or ``owner/dataset/name``.
            dataset: ``owner/name``; default: the connection's dataset.
            missing_ok: ``True`` to pass when the trigger does not exist.

        Example:
        | Delete Trigger | uk-only | missing_ok=True |
        """
        dataset, stream = self.stream(name, dataset)
        try:
            self.client.delete_stream(dataset, stream)
            self.connection.stream_versions.pop((dataset, stream), None)
        except NotFoundError:
            if not missing_ok:
                raise
            self.info(f"Trigger {stream!r} does not exist in {dataset}; nothing to delete.")
            return
        self.connection.positions.pop((dataset, stream), None)
        self.info(f"Deleted trigger {stream!r} of {dataset}.")

    # --- consuming -----------------------------------------------------------------

    @keyword(tags=("Trigger",))
    def fetch_trigger_batch(
        self,
        trigger: str,
        size: int = 16,
        *,
        max_filtered: int | None = None,
        dataset: str | None = None,
        api: Literal["fetch", "results"] = "fetch",
        log_items: bool | None = None,
        thresholds: ThresholdConfig | None = None,
        takeover: bool = False,
        lease_wait: timedelta | None = None,
    ) -> DotDict:
        """Read the next batch of comments from a trigger, without moving it.

        Fetching again before `Advance Trigger` returns the same comments: the trigger
        moves only when the robot says its work is safe (see `At-least-once`). Only
        ``trigger`` and ``size`` may be given by position; the other arguments are named.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            size: Most comments to return (1..1024).
            max_filtered: Most comments the stream's ``comment_filter`` may skip in this
                call (1..1024); default: the server's.
            dataset: ``owner/name``; default: the connection's dataset.
            api: ``fetch`` (the classic route) or ``results`` (the newer route, which
                also carries generative extraction). Both return the same shape; the
                auto-threshold names ``results`` sends are computed for ``fetch`` items
                from the model's validation when an ``auto`` rule first needs them (see
                `Thresholds`).
            log_items: Log an HTML table per comment (labels, entities). Default: only
                when the log level is DEBUG or TRACE; otherwise the tables cost nothing
                (they are not even formatted). ``True`` always, ``False`` never.
            thresholds: For that table: show each label's threshold and whether it
                cleared it (a dictionary or `Load Thresholds` result). A config that names
                a ``model_version`` is also compared, once per trigger and config, with the
                version the trigger answers with (the one it is pinned to, read once): a
                difference is logged as a warning.
            takeover: Take the stream's lease even when another robot holds it (that robot
                fails at its next keyword). See `One consumer per stream`.
            lease_wait: Wait this long for another robot's lease to end (e.g. ``5 min``)
                instead of failing at once.

        The first fetch on a trigger takes its lease; another robot's fetch then fails at
        once with one line naming the owner. Comments this machine's ledger has as finished
        (`Mark Item Done` before a crash) are left out of ``results`` and listed in
        ``skipped``; advancing past the batch covers them (see `Nothing processed twice`).

        Returns:
            A dictionary: ``results`` (a list of items), ``sequence_id`` (the position
            after the whole batch), ``filtered`` (comments the filter skipped),
            ``is_end_sequence`` (``True`` when the trigger is read to its end for now),
            ``stream`` (the trigger it came from), ``skipped`` (uids left out as finished).
            Each item has ``uid``, ``comment``,
            ``labels`` (``name`` as ``"A > B"``, ``probability``, ``auto_thresholds``),
            ``entities`` (``name``, ``formatted_value``, ``capture_ids``, ``spans``),
            ``label_properties``, its own ``sequence_id``, ``stream`` and ``dataset``
            (where it came from). JSON-serialisable for hand-off. The batch and each item
            log as one line (``${batch} = Batch of 64 item(s) from routing (0 filtered,
            sequence id ...)``, ``Item <uid> (13 label(s), 4 entity(ies))``), not as kilobytes
            of text; to see a whole item use ``Log    ${item}    formatter=repr`` (or
            ``log_items=True`` for the table).

        Older tenants' ``/triggers`` answers may lack ``is_end_sequence``. It is then
        inferred: ``True`` when the batch holds fewer results than ``size`` and
        ``filtered`` is 0 (the stream had no more to give), otherwise ``False``; so the
        ``IF    ${batch.is_end_sequence}    BREAK`` loop ends on those tenants too.

        The two routes group entities differently (see `Entities and capture groups`):
        with ``api=fetch`` the entities of one table row share a capture id; with
        ``api=results`` a capture id groups the fields extracted for one predicted
        label (a label extraction), not a table row.

        Example:
        | ${batch} = | Fetch Trigger Batch | routing | size=32 |
        | FOR | ${item} | IN | @{batch.results} |
        | | Log | ${item.uid}: ${item.comment.messages[0].subject.text} |
        | END |
        | Advance Trigger | routing | ${batch} |
        """
        # Checked before the call, and shown in the log's tables.
        rule: ThresholdRule | None = threshold_rule(thresholds) if thresholds is not None else None
        for value, what in ((size, "size"), (max_filtered, "max_filtered")):
            if value is not None and not 1 <= value <= MAX_BATCH:
                raise ReinferConfigurationError(f"{what} must be from 1 to {MAX_BATCH}, got {value}.")
        dataset, stream = self.stream(trigger, dataset)
        guard = stream_guard(self, dataset, stream, takeover, lease_wait or 0.0)
        try:
            batch: Batch | BatchData
            if api == "results":
                batch = self.client.results(dataset, stream, max_results=size, max_filtered=max_filtered)
            else:
                batch = self.client.fetch_data(dataset, stream, size=size, max_filtered=max_filtered)
            result: RobotBatch = self.to_robot(batch)
        except NotFoundError as error:
            raise self.stream_hint(error, dataset, stream) from None
        note_origin(result.results, dataset, stream)  # for auto-threshold names of api=fetch items
        end = "reached the end for now" if batch.is_end_sequence else "more to read"
        self.info(
            f"Fetched {len(batch.results)} comment(s) from trigger {stream!r} of {dataset} "
            f"({batch.filtered} filtered, {end}); batch sequence id {batch.sequence_id}."
        )
        guard.after_fetch(result, stream_id(self, dataset, stream), self.info, self.warn)
        if isinstance(thresholds, ThresholdConfig) and thresholds.model_version is not None:
            self._compare_versions(dataset, stream, thresholds)
        if (debug_enabled() if log_items is None else log_items) and result.results:
            for item in result.results:
                self.info(item_html(item, rule), html=True)
        return result

    def _compare_versions(self, dataset: str, stream: str, config: ThresholdConfig) -> None:
        """Warn once per trigger and config when the trigger answers with another model version."""
        key = (dataset, stream, str(config.model_version), config.source or "")
        checked = self.connection.version_checks
        if key in checked:
            return
        checked.add(key)
        number = self._model_version(dataset, config.model_version)
        if number is None:
            return
        configured = parse_model_version(config.model_version)
        warning = answer_version_warning(self.client.get_stream(dataset, stream), dataset, number, configured)
        if warning:
            self.warn(warning)

    @keyword(tags=("Trigger",))
    def advance_trigger(
        self, trigger: str, position: Any, dataset: str | None = None, allow_backwards: bool = False
    ) -> None:
        """Move a trigger past a batch, up to an item, or to a sequence id.

        Call it only once the work for those comments is safe (handed on, stored): a
        robot that stops before advancing gets the same comments again (see
        `At-least-once`). Advancing to the same position twice is harmless.

        A batch with no results but ``filtered`` > 0 must be advanced too: its sequence
        id moves past the comments the filter skipped; without it every fetch re-reads
        them and the robot stalls. Passing the batch does exactly that.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            position: The batch from `Fetch Trigger Batch` (past all of it, including
                filtered comments), one of its items (up to and including that comment),
                or a sequence id. A batch fetched from another trigger is refused before
                any call: its sequence id means nothing to this one.
            dataset: ``owner/name``; default: the connection's dataset.
            allow_backwards: Move the trigger even to a position before this machine's
                last advance (refused by default: a stale batch would deliver comments again).

        Example:
        | ${batch} = | Fetch Trigger Batch | routing |
        | FOR | ${item} | IN | @{batch.results} |
        | | Handle Comment | ${item} |
        | | Advance Trigger | routing | ${item} | # comment by comment |
        | END |
        | Advance Trigger | routing | ${batch} | # and past trailing filtered comments |
        """
        dataset, stream = self.stream(trigger, dataset)
        sequence_id, words = _sequence_id(position, stream)
        positions = self.connection.positions
        old = positions.get((dataset, stream), "(not moved by this robot yet)")
        guard = stream_guard(self, dataset, stream)
        guard.before_advance(sequence_id, allow_backwards, self.warn)
        self.client.advance(dataset, stream, sequence_id)
        guard.after_advance(sequence_id)
        positions[(dataset, stream)] = sequence_id
        self.info(f"Advanced trigger {stream!r} of {dataset} {words}: {old} -> {sequence_id}.")

    @keyword(tags=("Trigger",))
    def reset_trigger(
        self,
        trigger: str,
        to: str | datetime,
        dataset: str | None = None,
        allow_future: bool = False,
        max_days_back: int = 30,
    ) -> str | None:
        """Move a trigger to the first comment uploaded at or after a time.

        A go-live and replay tool, not part of a robot's normal loop: moving back makes
        the trigger deliver comments again (replay), moving forward skips comments for
        good (go-live without the backlog). The time is when the comment was uploaded
        to the platform (``created_at``), not when it was written.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            to: ISO 8601 date and time, read by the library itself so the time zone is
                kept: ``2025-09-01T08:00:00+02:00``, ``2025-09-01T06:00:00Z``,
                ``2025-09-01 06:00:00`` or ``2025-09-01`` (midnight). A time without a
                time zone is taken as UTC. A Python ``datetime`` works too (naive = UTC).
                Anything else (``yesterday``, ``01.09.2025``, epoch seconds) is refused.
                ``start`` means the very beginning: every comment of the dataset again
                (``max_days_back`` does not apply: the start was asked for by name).
            dataset: ``owner/name``; default: the connection's dataset.
            allow_future: A time in the future skips every comment until then (and all
                unread ones): refused unless this is ``True``.
            max_days_back: A time more than this many days back (default 30) replays that
                much and is refused; raise it to replay further on purpose.

        The keyword logs how far the stream moved: in time, and in comments when this
        machine's ledger knows both positions. It forgets the ledger's finished comments,
        since a replay asks for them to be processed again.

        Returns:
            The trigger's new sequence id (``None`` if the server did not say).

        Example:
        | Reset Trigger | routing | 2025-09-01 | # replay September (UTC) |
        | Reset Trigger | routing | 2025-09-01T08:00:00+02:00 | # go-live at 8:00 in Paris, 06:00 UTC |
        | Reset Trigger | routing | start | # replay everything |
        """
        dataset, stream = self.stream(trigger, dataset)
        from_start = isinstance(to, str) and to.strip().lower() == "start"
        moment = STREAM_START if from_start else parse_moment(to)
        if not from_start:  # asking for the start is asking for all of it: no max_days_back
            check_reset(stream, moment, allow_future, max_days_back)
        positions = self.connection.positions
        old = positions.get((dataset, stream), "(unknown: not moved by this robot)")
        guard = stream_guard(self, dataset, stream)
        before = guard.ledger.last_advance
        result = self.client.reset(dataset, stream, moment)
        new = result.sequence_id
        if new:
            positions[(dataset, stream)] = new
        moved = reset_distance(moment, guard.ledger, before, new)
        forgotten = guard.after_reset()
        self.info(
            f"Reset trigger {stream!r} of {dataset} to comments uploaded at or after {iso_utc(moment)} "
            f"({moved}): {old} -> {new or '(new position not reported)'}; the ledger forgot {forgotten} "
            "finished comment(s), so a replay processes them again."
        )
        return new

    @keyword(tags=("Trigger",))
    def tag_trigger_exception(
        self,
        trigger: str,
        item_or_uid: dict | Item | str | list,
        exception_type: str = "No Prediction",
        dataset: str | None = None,
    ) -> None:
        """Mark comments as exceptions on a trigger (for review in the platform).

        Tagging does not move the trigger; advance as usual afterwards. Typical use: a
        business error on one comment (a missing order number, a label the robot cannot
        route), so people can review and improve the model.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            item_or_uid: An item, a comment uid, or a non-empty list of them (an empty
                list is refused: it would tag nothing).
            exception_type: Short free text shown in the platform, such as
                ``No Prediction`` or ``Wrong Prediction``.
            dataset: ``owner/name``; default: the connection's dataset.

        Example:
        | TRY |
        | | ${order} = | Get Entity Value | ${item} | order_number |
        | EXCEPT | Business error* | type=GLOB |
        | | Tag Trigger Exception | routing | ${item} | exception_type=No Order Number |
        | END |
        """
        dataset, stream = self.stream(trigger, dataset)
        uids = _uids(item_or_uid, "Tag Trigger Exception")
        self.client.tag_exceptions(dataset, stream, [(uid, exception_type) for uid in uids])
        self.info(
            f"Tagged {', '.join(uids)} on trigger {stream!r} of {dataset} as exception {exception_type!r}."
        )

    @keyword(tags=("Trigger",))
    def untag_trigger_exception(
        self, trigger: str, item_or_uid: dict | Item | str | list, dataset: str | None = None
    ) -> None:
        """Remove the exception mark from comments on a trigger.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            item_or_uid: An item, a comment uid, or a non-empty list of them.
            dataset: ``owner/name``; default: the connection's dataset.

        Example:
        | Untag Trigger Exception | routing | ${item} |
        """
        dataset, stream = self.stream(trigger, dataset)
        uids = _uids(item_or_uid, "Untag Trigger Exception")
        self.client.untag_exceptions(dataset, stream, uids)
        self.info(f"Removed the exception mark from {', '.join(uids)} on trigger {stream!r} of {dataset}.")

"""Auto-threshold names for items of the ``fetch`` route, from the model version's validation.

Called by the label keywords only when a rule has an ``auto`` name that may decide one of the
item's labels, so a robot that never uses ``auto`` never pays for it. The stream's pinned
version and the version's validation are each read once per connection (see
:class:`~ReinferLibrary.keywords.base.ReinferConnection`); the rule itself is in
:mod:`ReinferLibrary.logic.auto_names`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import AuthenticationError, NotFoundError, ReinferConfigurationError
from ..logic.auto_names import (
    AutoTable,
    auto_may_decide,
    auto_table,
    fill_auto_names,
    item_model_version,
    item_stream,
    missing_labels_text,
    needs_auto_names,
)
from ..logic.thresholds import ThresholdRule, check_auto_names, threshold_rule
from .base import LibraryComponent, ReinferConnection

ALTERNATIVES = (
    "fetch with api=results (its items carry the names), or give numbers (thresholds=) or default= instead"
)


def named_rule(
    component: LibraryComponent, items: Iterable[Any], thresholds: Any, default: Any, auto: Any
) -> ThresholdRule:
    """The keyword's threshold rule, after the ``fetch`` items among ``items`` got the names it may need."""
    rule = threshold_rule(thresholds, default, auto)
    if rule.auto is not None:
        for item in items:
            add_auto_names(component, item, rule)
    return rule


def add_auto_names(component: LibraryComponent, item: Any, rule: ThresholdRule) -> None:
    """Give a ``fetch`` item's labels the auto-threshold names ``/results`` would give them.

    Does nothing unless ``rule`` has an ``auto`` name that may decide one of the item's
    labels and the item is a ``fetch`` item without names that says which stream it came
    from. Fails with a configuration error, naming what to do, when the stream or the
    validation cannot be read (403, 404) or the stream has no model any more: never a
    silently empty answer.
    """
    if rule.auto is None or not needs_auto_names(item) or not auto_may_decide(item, rule):
        return
    where = item_stream(item)
    if where is None:  # refused, saying why, also next to a default (auto would be ignored quietly)
        check_auto_names(item, has_auto_names=False, rule=rule)
        return
    dataset, stream = where
    connection = component.connection
    version = item_model_version(item)
    if version is None:
        version = _stream_version(connection, dataset, stream, rule)
    table = _auto_table(component, connection, dataset, version, rule)
    fill_auto_names(item, table, f"validation of model version {version}")


def _said(error: AuthenticationError | NotFoundError) -> str:
    """``GET /api/... returned 403: the server's words``: the short form, for inside a sentence."""
    said = (error.server_message or "").strip().rstrip(".")
    return f"{error.method} {error.path} returned {error.status}" + (f": {said}" if said else "")


def _no_stream_model(
    rule: ThresholdRule, dataset: str, stream: str, problem: str
) -> ReinferConfigurationError:
    return ReinferConfigurationError(
        f"auto={rule.auto} needs the auto-threshold names of items from stream {stream!r} of {dataset}, "
        f"computed from the validation of the model version it is pinned to, but {problem}; {ALTERNATIVES}."
    )


def _stream_version(connection: ReinferConnection, dataset: str, stream: str, rule: ThresholdRule) -> int:
    key = (dataset, stream)
    if key not in connection.stream_versions:
        try:
            found = connection.client.get_stream(dataset, stream)
        except (AuthenticationError, NotFoundError) as error:
            raise _no_stream_model(
                rule, dataset, stream, f"the stream could not be read ({_said(error)})"
            ) from None
        connection.stream_versions[key] = found.model.version if found.model is not None else None
    version = connection.stream_versions[key]
    if version is None:
        raise _no_stream_model(rule, dataset, stream, "it has no model now")
    return version


def _auto_table(
    component: LibraryComponent,
    connection: ReinferConnection,
    dataset: str,
    version: int,
    rule: ThresholdRule,
) -> AutoTable:
    key = (dataset, version)
    table = connection.auto_tables.get(key)
    if table is None:
        try:
            validation = connection.client.get_full_validation(dataset, version)
        except (AuthenticationError, NotFoundError) as error:
            raise ReinferConfigurationError(
                f"auto={rule.auto} on items of Fetch Trigger Batch api=fetch needs each label's "
                f"auto-thresholds from the validation of model version {version} of {dataset}, which could "
                "not be read "
                f"({_said(error)}); {ALTERNATIVES}, or let the token read the model's validation."
            ) from None
        table = auto_table(validation)
        connection.auto_tables[key] = table
        component.info(
            f"Auto-threshold names of api=fetch items from {dataset} come from the validation of model "
            f"version {version}: {len(table)} of {len(validation.labels)} label(s) have auto-thresholds"
            f"{missing_labels_text(table, list(validation.labels))}."
        )
    return table

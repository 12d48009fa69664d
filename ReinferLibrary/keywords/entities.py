"""Entities of a comment: all, by name, the first value, and grouped by table row."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword
from robot.utils import DotDict

from .. import logic
from ..logic.items import check_item, item_uid
from ..models import Item
from .base import LibraryComponent, info_enabled, to_robot


def _entity_dicts(entities: list[Any]) -> list[DotDict]:
    return [entity if isinstance(entity, DotDict) else to_robot(entity) for entity in entities]


class EntityKeywords(LibraryComponent):
    """Keywords of the ``Entities`` area."""

    @keyword(tags=("Entities",))
    def get_entities_by_capture_group(self, item: Item) -> list[DotDict]:
        """Return the item's entities grouped by capture id: one dictionary per table row.

        When a comment contains a table, the entities found in one row share a capture
        id, so an order number stays with its own date and amount. See
        `Entities and capture groups`.

        - One dictionary per capture id, in ascending capture-id order, with the key
          ``capture_id`` plus entity name -> formatted value.
        - A row has only the keys of the entities found in it: a row with just an
          amount has no ``order_number`` key. Test for the key (``'order_number' in $row``)
          or use ``${row.get('order_number')}`` (``None`` when absent); ``${row.order_number}``
          fails on such a row.
        - A name found more than once in one group maps to a *list* of its values, in
          text order.
        - An entity with several capture ids appears in each of those groups.
        - Entities with no capture id (outside tables) are in no group; use
          `Get Entities` for them.
        - Capture ids are the API's numbers, not list positions (the demo tenant's
          table rows start at 1).
        - For items from `Fetch Trigger Batch` with ``api=results``, a group is one
          label extraction (the fields of one predicted label), not a table row.

        Args:
            item: One item of ``${batch.results}``.

        Returns:
            A list of dictionaries, e.g.
            ``[{capture_id: 1, order_number: ACM-103512, monetary_quantity: 312.40 GBP}, ...]``;
            empty when the comment has no table rows with entities.

        Example:
        | ${rows} = | Get Entities By Capture Group | ${item} |
        | FOR | ${row} | IN | @{rows} |
        | | IF | 'order_number' not in $row | CONTINUE | | # e.g. a row with only an amount |
        | | Log | Order ${row.order_number} costs ${row.get('monetary_quantity')} |
        | END |
        """
        checked = check_item(item)
        groups = logic.entities_by_capture_group(checked)
        if info_enabled():
            self.info(f"{len(groups)} capture group(s) on {item_uid(checked) or 'the item'}.")
        ungrouped = logic.ungrouped_results_entities(checked)
        if ungrouped:
            # The /results route groups only label extractions: table rows are not in it.
            names = ", ".join(sorted(set(ungrouped)))
            self.warn(
                f"{len(ungrouped)} entity(ies) of {item_uid(checked) or 'the item'} ({names}) belong to no "
                "capture group: items from api=results group only the fields of each label; fetch with "
                "api=fetch for table rows."
            )
        return [to_robot(group) for group in groups]

    @keyword(tags=("Entities",))
    def get_entities(self, item: Item, name: str | None = None) -> list[DotDict]:
        """Return the item's entities, all or those of one name, in text order.

        Args:
            item: One item of ``${batch.results}``.
            name: Entity name such as ``order_number``; default: all entities.

        Returns:
            A list of entity dictionaries: ``name``, ``formatted_value``, ``spans``
            (where in the text), ``capture_ids``, ``kind``, ``id``.

        Example:
        | ${orders} = | Get Entities | ${item} | order_number |
        | FOR | ${order} | IN | @{orders} |
        | | Log | ${order.formatted_value} |
        | END |
        """
        return _entity_dicts(logic.entities_named(check_item(item), name))

    @keyword(tags=("Entities",))
    def get_entity_value(self, item: Item, name: str, default: str | None = None) -> str:
        """Return the formatted value of the first entity of one name, in text order.

        Formatted values are normalised: dates as ``2025-08-21 00:00 UTC``, money as
        ``1,000.00 GBP``, countries by their common name.

        Args:
            item: One item of ``${batch.results}``.
            name: Entity name such as ``order_number``.
            default: Returned when the item has no such entity. Without it, a missing
                entity fails with ``Business error (missing entity): ...`` naming the
                entities the comment does have.

        Returns:
            The value as text.

        Example:
        | ${order} = | Get Entity Value | ${item} | order_number |
        | ${country} = | Get Entity Value | ${item} | country | default=United Kingdom |
        """
        return logic.entity_value(check_item(item), name, default)

    @keyword(tags=("Entities",))
    def get_entity_text(self, item: Item, name: str) -> str:
        """Return the first entity of one name as it is written in the comment, in text order.

        `Get Entity Value` gives the normalised value (``2025-08-21 00:00 UTC``); this gives
        the words the customer wrote (``21/08/2025``), cut from the message by the entity's
        span, for quoting back or for checks against the original text.

        Args:
            item: One item of ``${batch.results}`` (it must carry its comment).
            name: Entity name such as ``date`` or ``order_number``.

        Returns:
            The entity's text as written (pieces of an entity found in several places are
            joined by a space).

        Example:
        | ${written} = | Get Entity Text | ${item} | date | # e.g. 21/08/2025 |
        | ${value} = | Get Entity Value | ${item} | date | # 2025-08-21 00:00 UTC |
        """
        return logic.entity_texts(check_item(item), name)[0]

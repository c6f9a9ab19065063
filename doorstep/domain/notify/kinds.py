"""Why a message is sent: one rule per moment in a delivery that a recipient hears about."""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    """A notification rule; its value is what settings and stored templates use."""

    scheduled = "scheduled"
    out_for_delivery = "out_for_delivery"
    arriving = "arriving"
    delayed = "delayed"
    delivered = "delivered"
    failed = "failed"
    rating_request = "rating_request"
    chat = "chat"  # a chat message relayed from the driver or dispatcher


# On the day itself the recipient is waiting at the door: holding these back until the
# morning would make them useless, so they ignore quiet hours.
DELIVERY_DAY_RULES: frozenset[Rule] = frozenset(
    {
        Rule.out_for_delivery,
        Rule.arriving,
        Rule.delayed,
        Rule.delivered,
        Rule.failed,
        Rule.chat,
    }
)

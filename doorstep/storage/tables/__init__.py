"""All tables, imported here so Alembic and the metadata see each one."""

from doorstep.storage.tables.accounts import (
    ApiKey,
    IdempotencyRecord,
    LoginSession,
    Organisation,
    SignInLink,
    User,
)
from doorstep.storage.tables.base import Base
from doorstep.storage.tables.custody import CustodyEvent
from doorstep.storage.tables.fleet import Carrier, Depot, Device, Driver, Vehicle, Zone
from doorstep.storage.tables.fuel import FuelPurchase
from doorstep.storage.tables.maintenance import MaintenanceSchedule, ServiceRecord
from doorstep.storage.tables.messaging import (
    ChatMessage,
    Contact,
    Conversation,
    DriverMessage,
    OutboxAttempt,
    OutboxMessage,
    WebhookSubscription,
)
from doorstep.storage.tables.orders import Customer, Order, OrderEvent, Rating
from doorstep.storage.tables.proofs import Proof
from doorstep.storage.tables.rollups import ClosedDay, RouteDay, VehicleDay
from doorstep.storage.tables.routes import Plan, Route, RouteChange, Stop
from doorstep.storage.tables.settlements import (
    PayAdjustment,
    PayDispute,
    PayRuleVersion,
    Statement,
    StatementLine,
)
from doorstep.storage.tables.telemetry import LiveState, PingRow, TelemetryEvent

__all__ = [
    "ApiKey",
    "Base",
    "Carrier",
    "ChatMessage",
    "ClosedDay",
    "Contact",
    "Conversation",
    "CustodyEvent",
    "Customer",
    "Depot",
    "Device",
    "Driver",
    "DriverMessage",
    "FuelPurchase",
    "IdempotencyRecord",
    "LiveState",
    "LoginSession",
    "MaintenanceSchedule",
    "Order",
    "OrderEvent",
    "Organisation",
    "OutboxAttempt",
    "OutboxMessage",
    "PayAdjustment",
    "PayDispute",
    "PayRuleVersion",
    "PingRow",
    "Plan",
    "Proof",
    "Rating",
    "Route",
    "RouteChange",
    "RouteDay",
    "ServiceRecord",
    "SignInLink",
    "Statement",
    "StatementLine",
    "Stop",
    "TelemetryEvent",
    "User",
    "Vehicle",
    "VehicleDay",
    "WebhookSubscription",
    "Zone",
]

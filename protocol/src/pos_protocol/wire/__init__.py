"""Sync protocol v1: the JSON shapes the register and the central service exchange.

Both sides import this and nothing else of each other. Plain Python only (no pydantic, httpx
or SQLAlchemy), so both can import it cheaply. Everything is validated here, with errors
(``WireError``) that name the offending field as a dotted path.

All endpoints are under ``API_PREFIX`` (``/api/v1``), with ``Authorization: Bearer <register
token>`` except ``/enroll`` and ``/health``. By resource (each private module's docstring has
its shapes):

- events (``_events``): ``POST /events``, the envelope, ``PAYLOADS`` and ``EVENT_TYPES``;
- a typed payload class for every event type, builder (``to_json``) and parser (``parse``)
  from one field list (``_record``): sales, returns and deposit refunds (``_sales``), stock
  received, adjusted and counted (``_stock``), transfers (``_transfers``), purchase orders and
  reorder levels (``_purchase_orders``), product proposals (``_catalog``);
- movements (``_movements``): what events carry, ``GET /movements`` of sibling registers;
- the catalog (``_catalog``) with promotions and deposits (``_retail``): ``GET /catalog``;
- transfers and stores (``_transfers``), purchase orders (``_purchase_orders``);
- enrollment, ``/status``, health headers and error answers (``_status``);
- text a database can hold (``_text``).

Money is integer minor units, quantities integer base units, times wire time
(``pos_protocol.to_wire_time``). New fields and endpoints are added within v1 (an older
register's payloads still parse); a version bump is for breaking changes.
"""

from pos_protocol._errors import WireError
from pos_protocol.wire._catalog import (
    Barcode,
    CatalogPage,
    Product,
    ProductProposed,
    parse_catalog_page,
    parse_product,
)
from pos_protocol.wire._events import (
    API_PREFIX,
    EVENT_TYPES,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_PAGE_LIMIT,
    PAGE_LIMIT,
    PAYLOADS,
    PENDING_FIELD,
    PROTOCOL_VERSION,
    Event,
    EventsAnswer,
    Rejection,
    batch_pending,
    event_id_of,
    parse_batch,
    parse_event,
    parse_event_movements,
    parse_events_answer,
    parse_payload,
)
from pos_protocol.wire._fields import MAX_QUANTITY
from pos_protocol.wire._movements import (
    MOVEMENT_KINDS,
    Movement,
    MovementsPage,
    SiblingMovement,
    movement_to_json,
    parse_movements,
    parse_movements_page,
    sibling_to_json,
)
from pos_protocol.wire._purchase_orders import (
    PO_OPEN_STATUSES,
    DraftLine,
    PurchaseOrder,
    PurchaseOrderDrafted,
    PurchaseOrderLine,
    PurchaseOrdersPage,
    ReorderSet,
    parse_purchase_orders_page,
)
from pos_protocol.wire._record import Payload
from pos_protocol.wire._retail import (
    PROMOTION_KINDS,
    DepositType,
    PromotionRule,
    parse_deposit,
    parse_promotion,
)
from pos_protocol.wire._sales import (
    DepositLine,
    DepositRefunded,
    ReturnCompleted,
    ReturnLine,
    SaleCompleted,
    SaleDeposit,
    SaleLine,
    Tender,
)
from pos_protocol.wire._status import (
    CLOCK_HEADER,
    PENDING_HEADER,
    QUARANTINED_HEADER,
    Enrollment,
    Health,
    Status,
    error_of,
    parse_enrollment,
    parse_health,
    parse_status,
)
from pos_protocol.wire._stock import (
    DISCREPANCY_KINDS,
    CountedLine,
    Discrepancy,
    ReceivedLine,
    StockAdjusted,
    StockCounted,
    StockReceived,
)
from pos_protocol.wire._text import UNSTORABLE_ESCAPE, text_problem, unstorable
from pos_protocol.wire._transfers import (
    TRANSFER_STATUSES,
    ArrivedLine,
    SentLine,
    StockTransferredIn,
    StockTransferredOut,
    StoreRef,
    Transfer,
    TransferLine,
    parse_stores,
    parse_transfers_page,
)

__all__ = [
    "API_PREFIX", "CLOCK_HEADER", "DISCREPANCY_KINDS", "EVENT_TYPES", "MAX_BATCH_BYTES",
    "MAX_BATCH_EVENTS", "MAX_PAGE_LIMIT", "MAX_QUANTITY", "MOVEMENT_KINDS", "PAGE_LIMIT",
    "PAYLOADS", "PENDING_FIELD", "PENDING_HEADER", "PO_OPEN_STATUSES", "PROMOTION_KINDS",
    "PROTOCOL_VERSION", "QUARANTINED_HEADER", "TRANSFER_STATUSES", "UNSTORABLE_ESCAPE",
    "ArrivedLine", "Barcode", "CatalogPage", "CountedLine", "DepositLine", "DepositRefunded",
    "DepositType", "Discrepancy", "DraftLine", "Enrollment", "Event", "EventsAnswer", "Health",
    "Movement", "MovementsPage", "Payload", "Product", "ProductProposed", "PromotionRule",
    "PurchaseOrder", "PurchaseOrderDrafted", "PurchaseOrderLine", "PurchaseOrdersPage",
    "ReceivedLine", "Rejection", "ReorderSet", "ReturnCompleted", "ReturnLine",
    "SaleCompleted", "SaleDeposit", "SaleLine", "SentLine", "SiblingMovement", "Status",
    "StockAdjusted", "StockCounted", "StockReceived", "StockTransferredIn",
    "StockTransferredOut", "StoreRef", "Tender", "Transfer", "TransferLine", "WireError",
    "batch_pending", "error_of", "event_id_of", "movement_to_json", "parse_batch",
    "parse_catalog_page", "parse_deposit", "parse_enrollment", "parse_event",
    "parse_event_movements", "parse_events_answer", "parse_health", "parse_movements",
    "parse_movements_page", "parse_payload", "parse_product", "parse_promotion",
    "parse_purchase_orders_page", "parse_status", "parse_stores", "parse_transfers_page",
    "sibling_to_json", "text_problem", "unstorable",
]

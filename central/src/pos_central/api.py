"""The HTTP API (FastAPI), protocol v1 under ``/api/v1``. Thin: each route authenticates, reads
plain values and calls a service; errors become ``{"error": ..., "field": ...}`` answers.

Whole-request rejections store nothing: 401 (token), 403 (not this token's business, also an
event naming another store's transfer, purchase order or movement: the field names it), 413
(batch over the event-count or byte limit, compressed or not), 415 (unknown Content-Encoding),
422 (body not JSON, not ``{"events": [...]}``, a bad ``pending``; bad query values; text no
database can hold — a NUL character, half of a surrogate pair — in any body, parameter or
form: the field names it). Inside a well-formed batch, an otherwise invalid event is a
per-event rejection in a 200 answer.
"""

from __future__ import annotations

import logging
import zlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pos_central import jsonio
from pos_central.clock import iso, utc_now
from pos_central.dashboard import mount as mount_dashboard
from pos_central.errors import BadInput, CentralError, TooLarge, Unsupported, plain_fields
from pos_central.services import accounts, catalog, counts, ingest, retail, stock
from pos_central.services.accounts import AdminAuth, Principal, RegisterAuth
from pos_protocol import wire

log = logging.getLogger("pos_central")
P = wire.API_PREFIX
MAX_CSV_BYTES = 64 * 1024 * 1024
_DRAIN_BYTES = 64 * 1024 * 1024  # read (and drop) this much of an oversized body before 413


def _principal(request: Request) -> Principal:
    arrived = utc_now()  # before the body is read: the clock skew leaves the upload out
    return accounts.authenticate(request.app.state.engine, request.headers.get("authorization"),
                                 wire.parse_health(request.headers), arrived)


def _register(p: Annotated[Principal, Depends(_principal)]) -> RegisterAuth:
    return accounts.require_register(p)


def _admin(p: Annotated[Principal, Depends(_principal)]) -> AdminAuth:
    return accounts.require_admin(p)


# Route parameter types (module level, so FastAPI can resolve the postponed annotations).
Reg = Annotated[RegisterAuth, Depends(_register)]
Adm = Annotated[AdminAuth, Depends(_admin)]
Anyone = Annotated[Principal, Depends(_principal)]
Since = Annotated[int, Query(ge=0, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=wire.MAX_PAGE_LIMIT)]
Currency = Annotated[str | None, Query(max_length=3)]
ProposalStatus = Annotated[
    str | None, Query(pattern="^(pending|accepted|rejected|superseded|all)$")]


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="pos-central", version=str(wire.PROTOCOL_VERSION), docs_url=None,
                  redoc_url=None, openapi_url=f"{P}/openapi.json",
                  dependencies=[Depends(_plain_params)])
    app.state.engine = engine
    _errors(app)

    # -- registers ----------------------------------------------------------------------------
    @app.get(f"{P}/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "protocol": wire.PROTOCOL_VERSION}

    @app.post(f"{P}/enroll")
    async def enroll(request: Request) -> dict[str, Any]:
        body = _json(await _read(request, 64 * 1024))
        b = body if isinstance(body, dict) else {}
        got = await run_in_threadpool(accounts.enroll, engine, b.get("code"), b.get("store"),
                                      b.get("register"))
        return {"token": got.token, "store": got.store, "register": got.register}

    @app.post(f"{P}/events")
    async def events(request: Request, who: Reg) -> dict[str, Any]:
        body = _json(_decode(request, await _read(request, wire.MAX_BATCH_BYTES)))
        if not isinstance(body, dict) or not isinstance(body.get("events"), list):
            raise BadInput('expected {"events": [...]}', "events")
        if len(body["events"]) > wire.MAX_BATCH_EVENTS:
            raise TooLarge(f"more than {wire.MAX_BATCH_EVENTS} events in one batch; send "
                           "smaller batches", "events")
        try:
            pending = wire.batch_pending(body)
        except wire.WireError as exc:
            raise BadInput(exc.reason, exc.field) from exc
        result = await run_in_threadpool(
            ingest.ingest, engine, ingest.Source(who.store, who.id), body["events"], pending)
        return result.to_json()

    @app.get(f"{P}/catalog")
    def get_catalog(who: Reg, since: Since = 0, limit: Limit = wire.PAGE_LIMIT
                    ) -> dict[str, Any]:
        page = catalog.catalog_page(engine, who.store, since, limit)
        body: dict[str, Any] = {"version": page.version,
                                "products": [p.to_json() for p in page.products],
                                "more": page.more}
        if page.promotions or page.deposits:  # retail rules: only when something changed
            body["promotions"] = [p.to_json() for p in page.promotions]
            body["deposits"] = [d.to_json() for d in page.deposits]
        return body

    @app.get(f"{P}/movements")
    def get_movements(who: Reg, since: Since = 0, limit: Limit = wire.PAGE_LIMIT
                      ) -> dict[str, Any]:
        page = stock.movements_page(engine, who.store, who.id, since, limit)
        return {"cursor": page.cursor, "movements": [wire.sibling_to_json(s)
                                                     for s in page.movements],
                "more": page.more}

    @app.get(f"{P}/status")
    def get_status(who: Reg) -> dict[str, Any]:
        return accounts.status(engine, who).to_json()

    @app.get(P + "/stores/{store}/stock/{code:path}")
    def store_stock(store: str, code: str, who: Anyone) -> dict[str, Any]:
        accounts.require_store(who, store)
        return stock.store_stock(engine, store, code)

    # -- admin --------------------------------------------------------------------------------
    @app.post(f"{P}/admin/stores", status_code=201)
    async def create_store(request: Request, _: Adm) -> dict[str, Any]:
        b = _object(_json(await _read(request, 64 * 1024)))
        return await run_in_threadpool(
            accounts.create_store, engine, _s(b, "store"), _s(b, "name"),
            _s(b, "currency", "EUR"))

    @app.post(f"{P}/admin/enrollment-codes", status_code=201)
    async def enrollment_code(request: Request, _: Adm) -> dict[str, Any]:
        b = _object(_json(await _read(request, 64 * 1024)))
        hours = b.get("ttl_hours", 24)
        if not isinstance(hours, int) or isinstance(hours, bool):
            raise BadInput("ttl_hours must be a whole number of hours", "ttl_hours")
        got = await run_in_threadpool(accounts.make_enrollment_code, engine,
                                      _s(b, "store"), _s(b, "register"), timedelta(hours=hours))
        return {"code": got.code, "store": got.store, "register": got.register,
                "expires_at": iso(got.expires_at)}

    @app.post(f"{P}/admin/catalog")
    async def import_catalog(request: Request, _: Adm, currency: Currency = None
                             ) -> dict[str, Any]:
        raw = await _read(request, MAX_CSV_BYTES)  # bytes: encoding found as at the register
        got = await run_in_threadpool(catalog.import_csv, engine, raw, currency)
        return got.to_json()

    @app.put(P + "/admin/products/{sku}/price")
    async def set_price(sku: str, request: Request, _: Adm) -> dict[str, Any]:
        b = _object(_json(await _read(request, 64 * 1024)))
        store = b.get("store")
        if store is not None and not isinstance(store, str):
            raise BadInput("store must be a store code or null", "store")
        return await run_in_threadpool(catalog.set_price, engine, sku, b.get("price"), store)

    @app.get(P + "/admin/stock/{code:path}")
    def admin_stock(code: str, _: Adm) -> dict[str, Any]:
        return stock.stock(engine, code).to_json()

    @app.get(f"{P}/admin/registers")
    def admin_registers(_: Adm) -> dict[str, Any]:
        return {"registers": accounts.list_registers(engine)}

    @app.post(P + "/admin/registers/{store}/{register}/revoke")
    def revoke(store: str, register: str, _: Adm) -> dict[str, Any]:
        return accounts.revoke_register(engine, store, register)

    @app.get(f"{P}/admin/proposals")
    def proposals(_: Adm, status: ProposalStatus = "pending") -> dict[str, Any]:
        return {"proposals": catalog.list_proposals(engine, None if status == "all" else status)}

    @app.post(P + "/admin/proposals/{proposal_id}/accept")
    def accept(proposal_id: int, _: Adm) -> dict[str, Any]:
        return catalog.accept_proposal(engine, proposal_id)

    @app.post(P + "/admin/proposals/{proposal_id}/reject")
    async def reject(proposal_id: int, request: Request, _: Adm) -> dict[str, Any]:
        raw = await _read(request, 64 * 1024)
        note = _object(_json(raw)).get("note", "") if raw.strip() else ""
        if not isinstance(note, str):
            raise BadInput("note must be text", "note")
        return await run_in_threadpool(catalog.reject_proposal, engine, proposal_id, note)

    @app.post(f"{P}/admin/promotions")
    async def import_promotions(request: Request, _: Adm) -> dict[str, Any]:
        body = _json(await _read(request, MAX_CSV_BYTES))
        return (await run_in_threadpool(retail.import_rules, engine, body)).to_json()

    @app.get(f"{P}/admin/promotions")
    def list_promotions(_: Adm) -> dict[str, Any]:
        return retail.list_rules(engine)

    @app.get(f"{P}/admin/unknown-skus")
    def unknown_skus(_: Adm) -> dict[str, Any]:
        return {"unknown_skus": catalog.list_unknown_skus(engine)}

    @app.get(f"{P}/admin/count-reviews")
    def count_reviews(_: Adm, store: str | None = None,
                      days: Annotated[int, Query(ge=1, le=3650)] = 90) -> dict[str, Any]:
        """Counts posted while another register counted the same product (both stand)."""
        return {"count_reviews": [o.to_json() for o in counts.overlapping(engine, store, days)]}

    from pos_central.purchasing_api import add_routes as add_purchasing

    add_purchasing(app, engine)  # purchase orders: registers' and admins' routes
    from pos_central.transfers_api import add_routes as add_transfers

    add_transfers(app, engine)  # transfers between stores: registers' and admins' routes
    mount_dashboard(app, engine)  # the web dashboard at / (docs/dashboard.md)
    return app


# -- request bodies ---------------------------------------------------------------------------
async def _read(request: Request, cap: int) -> bytes:
    """The raw body, refusing (413) more than ``cap`` bytes without keeping them."""
    length = request.headers.get("content-length", "")
    too_big = length.isdigit() and int(length) > cap
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            too_big = True
            chunks = []
            if size > _DRAIN_BYTES:
                break
        elif not too_big:
            chunks.append(chunk)
    if too_big:
        raise TooLarge(f"request body over {cap} bytes; send smaller batches", "body")
    return b"".join(chunks)


def _decode(request: Request, raw: bytes) -> bytes:
    """Undo ``Content-Encoding: gzip``, refusing (413) more than MAX_BATCH_BYTES of output."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise Unsupported(f"Content-Encoding {encoding} is not supported; send gzip or "
                          "nothing", "content-encoding")
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, wire.MAX_BATCH_BYTES + 1)
    except zlib.error as exc:
        raise BadInput("the body is not valid gzip", "body") from exc
    if len(out) > wire.MAX_BATCH_BYTES or d.unconsumed_tail:
        raise TooLarge(f"batch over {wire.MAX_BATCH_BYTES} bytes uncompressed; send smaller "
                       "batches", "body")
    if not d.eof or d.unused_data:
        raise BadInput("the body is not one complete gzip stream", "body")
    return out


def _json(raw: bytes) -> Any:
    """A JSON request body; 422 naming the field for text no database column can hold (a NUL
    character, half of a surrogate pair), so nothing a register or an admin sends can stop a
    query or a page later. Such text can only come as a ``\\u`` escape: bodies without one
    are not walked (the ingest hot path)."""
    try:
        body = jsonio.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadInput("the body is not valid JSON (UTF-8)", "body") from exc
    if wire.UNSTORABLE_ESCAPE.search(raw):
        bad = wire.unstorable(body)
        if bad is not None:
            raise BadInput(f"{bad.field}: {bad.reason}", bad.field)
    return body


async def _plain_params(request: Request) -> None:
    """Every route: path and query parameters are checked before the route runs (forms are
    checked where they are read, dashboard/routes.py)."""
    plain_fields([*request.path_params.items(), *request.query_params.multi_items()])


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadInput("expected a JSON object", "body")
    return body


def _s(body: dict[str, Any], key: str, default: str | None = None) -> str:
    v = body.get(key, default)
    if not isinstance(v, str):
        raise BadInput(f"{key} must be text", key)
    return v


# -- error answers ----------------------------------------------------------------------------
def error_body(message: str, field: str | None, **extra: Any) -> dict[str, Any]:
    return {"error": message, "field": field, **extra}


def _errors(app: FastAPI) -> None:
    @app.exception_handler(CentralError)
    async def central_error(_: Request, exc: CentralError) -> JSONResponse:
        extra = {"problems": exc.problems} if isinstance(exc, catalog.CatalogRejected) else {}
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        message = exc.message
        if exc.status >= 500:  # the details (database host, driver text) go to the log only
            log.error("%s", exc.message)
            message = "the central service cannot use its database right now; try again later"
        return JSONResponse(error_body(message, exc.field, **extra), exc.status,
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        field = ".".join(loc) or None
        msg = str(first.get("msg", "invalid request")).replace("Input should be", "expected")
        return JSONResponse(error_body(f"{field}: {msg}" if field else msg, field), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail), None), exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal error in pos-central; see its log", None), 500)

"""The register's HTTP client for the central service (protocol v1, ``pos_protocol.wire``).

One ``httpx.Client`` per register: ``Authorization: Bearer <token>`` on every call but
enrollment, gzip-compressed event batches, timeouts on connect and read, certificates verified
for ``https://`` unless the register was provisioned with ``--insecure`` (``http://`` is
accepted for tests and store LANs). Every failure leaves this module as a ``SyncError``
(``sync/errors.py``) whose message names the central's URL — never the token.

Every call carries the register's health headers (``wire.Health``): its clock when the request
is sent (``X-POS-Clock``, so the central can record the clock skew) and, once told with
:meth:`CentralClient.report`, how many events it has quarantined and still holds.

Tests pass ``transport=httpx.MockTransport(handler)`` to run without a network, and ``clock``
to play a register whose clock is off.
"""

from __future__ import annotations

import json
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from pos_protocol import to_wire_time, wire
from pos_terminal import __version__
from pos_terminal.sync.errors import (
    BatchRejectedError,
    BatchTooLargeError,
    CentralServerError,
    CentralTLSError,
    CentralUnreachableError,
    EnrollmentError,
    NotEnrolledError,
    SyncError,
)
from pos_terminal.sync.settings import CentralSettings

GZIP_LEVEL = 3  # loopback/LAN: cheap levels compress JSON ~8x already
USER_AGENT = f"pos-terminal/{__version__}"


@dataclass(frozen=True)
class Answer:
    """A decoded 2xx answer and what the call cost."""

    body: Any
    elapsed_s: float
    date: str | None  # the server's Date header


class CentralClient:
    """Calls the central's ``/api/v1`` endpoints; thread-compatible (one thread at a time)."""

    def __init__(
        self, url: str, token: str | None = None, *, verify: bool | str = True,
        timeout: float = 10.0, transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._clock = clock or _utc_now
        self._figures: dict[str, int | None] = {"quarantined": None, "pending": None}
        ctx: bool | ssl.SSLContext = verify if isinstance(verify, bool) else True
        if isinstance(verify, str):
            try:
                ctx = ssl.create_default_context(cafile=verify)
            except (OSError, ssl.SSLError) as exc:
                raise CentralTLSError(
                    f"cannot use the CA bundle {verify} for {self.url}: {exc}") from exc
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self._http = httpx.Client(
                base_url=self.url + wire.API_PREFIX, headers=headers, verify=ctx,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                transport=transport, follow_redirects=False, trust_env=False,
            )
        except (ValueError, OSError, ssl.SSLError) as exc:
            raise SyncError(f"cannot set up a connection to {self.url}: {exc}") from exc

    @classmethod
    def from_settings(cls, s: CentralSettings, transport: httpx.BaseTransport | None = None,
                      clock: Callable[[], datetime] | None = None) -> CentralClient:
        return cls(s.url, s.token, verify=s.verify, timeout=s.timeout, transport=transport,
                   clock=clock)

    def __repr__(self) -> str:
        return f"CentralClient({self.url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def report(self, *, quarantined: int | None = None, pending: int | None = None) -> None:
        """Figures sent (as headers) with every following call; None leaves one unchanged."""
        if quarantined is not None:
            self._figures["quarantined"] = max(0, quarantined)
        if pending is not None:
            self._figures["pending"] = max(0, pending)

    def _health(self) -> dict[str, str]:
        return wire.Health(to_wire_time(self._clock()), **self._figures).headers()

    # -- endpoints ------------------------------------------------------------------------------
    def push(self, body: bytes, compress: bool = True, gzipped: bool = False
             ) -> wire.EventsAnswer:
        """``POST /events`` with a ready ``{"events": [...]}`` JSON body (UTF-8 bytes;
        ``gzipped``: already a gzip stream of it)."""
        headers = {"Content-Type": "application/json"}
        if compress and not gzipped:
            body = zlib.compress(body, GZIP_LEVEL, wbits=31)  # a gzip stream; frees the GIL
        if compress or gzipped:
            headers["Content-Encoding"] = "gzip"
        got = self._call("POST", "/events", content=body, headers=headers)
        return self._parse(wire.parse_events_answer, got, "/events")

    def catalog(self, since: int, limit: int | None = None) -> wire.CatalogPage:
        params = {"since": since, **({"limit": limit} if limit else {})}
        got = self._call("GET", "/catalog", params=params)
        return self._parse(wire.parse_catalog_page, got, "/catalog")

    def movements(self, since: int, limit: int | None = None) -> wire.MovementsPage:
        params = {"since": since, **({"limit": limit} if limit else {})}
        got = self._call("GET", "/movements", params=params)
        return self._parse(wire.parse_movements_page, got, "/movements")

    def stores(self) -> tuple[wire.StoreRef, ...]:
        """``GET /stores``: the other stores a transfer may go to."""
        return self._parse(wire.parse_stores, self._call("GET", "/stores"), "/stores")

    def transfers(self) -> tuple[wire.Transfer, ...]:
        """``GET /transfers``: transfers in transit to this register's store."""
        got = self._call("GET", "/transfers")
        return self._parse(wire.parse_transfers_page, got, "/transfers")

    def purchase_orders(self) -> wire.PurchaseOrdersPage:
        """``GET /purchase-orders``: this store's open POs (all of them, one page)."""
        got = self._call("GET", "/purchase-orders")
        return self._parse(wire.parse_purchase_orders_page, got, "/purchase-orders")

    def status(self) -> tuple[wire.Status, Answer]:
        got = self._call("GET", "/status")
        return self._parse(wire.parse_status, got, "/status"), got

    def health(self) -> Answer:
        """``GET /health`` (no token needed): is a pos-central listening there?"""
        return self._call("GET", "/health")

    def enroll(self, code: str, store: str | None = None, register: str | None = None
               ) -> wire.Enrollment:
        """``POST /enroll``: a one-time code for this register's token.

        Naming the register lets the central refuse a code made for another register without
        spending it.
        """
        body: dict[str, str] = {"code": code}
        if store is not None and register is not None:
            body |= {"store": store, "register": register}
        got = self._call("POST", "/enroll", json=body, enrolling=True)
        return self._parse(wire.parse_enrollment, got, "/enroll")

    # -- plumbing -------------------------------------------------------------------------------
    def _call(self, method: str, path: str, enrolling: bool = False, **kw: Any) -> Answer:
        where = f"{self.url}{wire.API_PREFIX}{path}"
        if not enrolling:  # the clock is read last, as close to sending as possible
            kw["headers"] = {**kw.get("headers", {}), **self._health()}
        started = time.monotonic()
        try:
            resp = self._http.request(method, path, **kw)
            raw = resp.content
        except httpx.TimeoutException as exc:
            raise CentralUnreachableError(
                f"the central service at {self.url} did not answer in time ({_why(exc)}); "
                "check the network, or that pos-central is running") from exc
        except httpx.ConnectError as exc:
            if _is_tls(exc):
                raise CentralTLSError(
                    f"the certificate of {self.url} cannot be verified ({_why(exc)}); install "
                    "the central's CA certificate or provision with --insecure (not for the "
                    "internet)") from exc
            raise CentralUnreachableError(
                f"cannot connect to the central service at {self.url} ({_why(exc)}); check "
                "the network, the URL, or that pos-central is running") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise SyncError(f"the central URL {self.url} is not usable: {exc}") from exc
        except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
            raise CentralUnreachableError(
                f"the connection to {self.url} broke during {method} {path} ({_why(exc)}); "
                "it will be retried") from exc
        elapsed = time.monotonic() - started
        status = resp.status_code
        if 200 <= status < 300:
            try:
                body = json.loads(raw) if raw else None
            except ValueError as exc:
                raise CentralServerError(
                    f"{where} answered {status} with a body that is not JSON: is this "
                    "pos-central?", status) from exc
            return Answer(body, elapsed, resp.headers.get("date"))
        message, field = _error_of(raw, status)
        if field and field.startswith("events[") and not message.startswith(field):
            message = f"{field}: {message}"  # the quarantine's reason says which field
        if enrolling and status in (400, 401, 403, 404, 409, 410, 422):
            raise EnrollmentError(f"enrollment refused by {self.url}: {message}")
        if status == 403 and field and field.startswith("events["):
            # one event names another store's object (a transfer, a PO): that event is refused,
            # not this register's token; the worker quarantines it and sends the rest
            raise BatchRejectedError(f"{where} answered 403: {message}", field, status)
        if status in (401, 403):
            raise NotEnrolledError(f"{self.url} answered {status}: {message}")
        if status == 413:
            raise BatchTooLargeError(f"{where} answered 413: {message}")
        if status in (400, 415, 422):
            raise BatchRejectedError(f"{where} answered {status}: {message}", field, status)
        retry_after = _retry_after(resp.headers.get("retry-after"))
        if status == 404:
            raise CentralServerError(
                f"{where} answered 404: is {self.url} the central service's address?", status)
        raise CentralServerError(f"{where} answered {status}: {message}", status, retry_after)

    def _parse(self, parse: Any, got: Answer, path: str) -> Any:
        try:
            return parse(got.body)
        except wire.WireError as exc:
            raise CentralServerError(
                f"{self.url}{wire.API_PREFIX}{path} answered something this register cannot "
                f"read ({exc}); is the central a newer, incompatible version?", 200) from exc


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _error_of(raw: bytes, status: int) -> tuple[str, str | None]:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    message, field = wire.error_of(body)
    if body is None or not isinstance(body, dict) or "error" not in body:
        text = raw[:120].decode("utf-8", "replace").strip().replace("\n", " ")
        message = f"HTTP {status}" + (f" ({text})" if text else "")
    return message, field


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(min(int(value.strip()), 3600))
    return None


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if text else type(exc).__name__

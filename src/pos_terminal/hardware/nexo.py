"""A nexo Retailer (SaleToPOI) card terminal on the LAN, as Adyen's local Terminal API speaks it.

Each message is one HTTPS POST of a JSON ``SaleToPOIRequest`` to the terminal
(``https://HOST:8443/nexo``); the answer is the ``SaleToPOIResponse`` in the same HTTP
exchange, so a payment's POST stays open until the customer is done (Adyen: "payment requests
time out after 120 seconds" on a local integration). Messages follow the nexo Retailer
Protocol ("Sale to POI", protocol version 3.0) as Adyen documents it:

- ``MessageHeader``: ProtocolVersion, MessageClass "Service", MessageCategory, MessageType,
  ServiceID (unique per message pair, at most 10 characters), SaleID, POIID.
- Payment (``PaymentRequest``: SaleData.SaleTransactionID, PaymentTransaction.AmountsReq with
  Currency and RequestedAmount as a decimal number), Reversal (``ReversalRequest``:
  OriginalPOITransaction, ReversalReason, ReversedAmount for a referenced refund),
  TransactionStatus (``TransactionStatusRequest``: MessageReference naming the payment's
  ServiceID), Abort (``AbortRequest``: MessageReference, AbortReason), Diagnosis and
  Reconciliation (the end-of-day totals).
- The encrypted security trailer (Adyen, "Protect local communications"): the whole
  ``SaleToPOIRequest`` JSON is encrypted with AES-256-CBC into ``NexoBlob``; ``SecurityTrailer``
  carries AdyenCryptoVersion, KeyIdentifier, KeyVersion, a random 16-byte Nonce (XORed into the
  derived IV) and an HMAC-SHA256 of the plaintext. Keys: PBKDF2-HMAC-SHA1 of the passphrase,
  salt "AdyenNexoV1Salt", 4000 rounds, 80 bytes: HMAC key, cipher key, IV.

Amounts are exact decimals both ways (``Decimal``, never float). Only what
:class:`~pos_terminal.domain.cards.CardDetails` allows is kept of a response; its
``AdditionalResponse`` (which holds the card's BIN and expiry) is never stored.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import ssl
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from pos_protocol.money import EXPONENTS
from pos_terminal.domain.cards import CardDetails, scrub
from pos_terminal.hardware.errors import (
    TerminalError,
    TerminalProtocolError,
    TerminalTimeoutError,
    TerminalUnreachableError,
)
from pos_terminal.hardware.terminal import (
    CardResult,
    LastTransaction,
    Outcome,
    PaymentRequest,
    ReceiptCopy,
    StatusCallback,
    TerminalInfo,
    TerminalTotals,
    no_status,
)
from pos_terminal.hardware.terminal_settings import TerminalSettings

PROTOCOL_VERSION = "3.0"
SALT = b"AdyenNexoV1Salt"
ROUNDS = 4000
ABORTED_CONDITIONS = {"Aborted", "Cancel"}
COPIES = {"CashierReceipt": "merchant", "CustomerReceipt": "customer"}


# -- JSON with exact decimals -------------------------------------------------------------------
def dumps(obj: Any) -> bytes:
    """JSON text of ``obj``; a ``Decimal`` is written as the exact number it is."""

    def enc(o: Any) -> str:
        if isinstance(o, Decimal):
            return format(o, "f")
        if isinstance(o, bool) or o is None or isinstance(o, int | str):
            return json.dumps(o, ensure_ascii=False)
        if isinstance(o, dict):
            return "{" + ",".join(f"{json.dumps(str(k))}:{enc(v)}" for k, v in o.items()) + "}"
        if isinstance(o, list | tuple):
            return "[" + ",".join(enc(v) for v in o) + "]"
        raise TypeError(f"not JSON: {type(o).__name__}")  # a float never gets here

    return enc(obj).encode("utf-8")


def loads(data: bytes) -> Any:
    try:
        return json.loads(data, parse_float=Decimal)
    except ValueError as exc:
        raise TerminalProtocolError(f"the terminal sent something that is not JSON ({exc})"
                                    ) from exc


def to_decimal(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent)


def to_minor(value: Any, exponent: int) -> int:
    """A JSON amount as minor units; a number with more decimals than the currency is an error."""
    d = Decimal(str(value))
    minor = d.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise TerminalProtocolError(f"the terminal sent the amount {value} with too many decimals")
    return int(minor)


def service_id(reference: str, suffix: str = "") -> str:
    """A ServiceID (at most 10 characters) derived from our attempt id, so a TransactionStatus
    after a restart can name the payment without having stored anything more."""
    digest = hashlib.sha256((reference + suffix).encode()).digest()
    return base64.b32encode(digest).decode()[:10]


# -- the security trailer -------------------------------------------------------------------
class NexoCrypto:
    """Adyen's encryption of local Terminal API messages (see the module docstring)."""

    def __init__(self, key_identifier: str, passphrase: str, key_version: int = 1) -> None:
        self.key_identifier = key_identifier
        self.key_version = key_version
        key = hashlib.pbkdf2_hmac("sha1", passphrase.encode("utf-8"), SALT, ROUNDS, 80)
        self.hmac_key, self.cipher_key, self.iv = key[:32], key[32:64], key[64:80]

    def _cipher(self, nonce: bytes) -> Any:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        iv = bytes(a ^ b for a, b in zip(self.iv, nonce, strict=True))
        return Cipher(algorithms.AES(self.cipher_key), modes.CBC(iv))

    def encrypt(self, plaintext: bytes, header: dict[str, Any], nonce: bytes | None = None
                ) -> dict[str, Any]:
        """``{"MessageHeader", "NexoBlob", "SecurityTrailer"}`` for ``plaintext``."""
        from cryptography.hazmat.primitives import padding

        nonce = os.urandom(16) if nonce is None else nonce
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        enc = self._cipher(nonce).encryptor()
        blob = enc.update(padded) + enc.finalize()
        mac = hmac.new(self.hmac_key, plaintext, hashlib.sha256).digest()
        return {
            "MessageHeader": header,
            "NexoBlob": base64.b64encode(blob).decode(),
            "SecurityTrailer": {
                "AdyenCryptoVersion": 1, "KeyIdentifier": self.key_identifier,
                "KeyVersion": self.key_version, "Nonce": base64.b64encode(nonce).decode(),
                "Hmac": base64.b64encode(mac).decode(),
            },
        }

    def decrypt(self, secured: dict[str, Any]) -> bytes:
        """The plaintext of a secured message; TerminalProtocolError when it does not verify."""
        from cryptography.hazmat.primitives import padding

        try:
            trailer = secured["SecurityTrailer"]
            blob = base64.b64decode("".join(str(secured["NexoBlob"]).split()))
            nonce = base64.b64decode(trailer["Nonce"])
            mac = base64.b64decode(trailer["Hmac"])
            dec = self._cipher(nonce).decryptor()
            padded = dec.update(blob) + dec.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            plaintext = unpadder.update(padded) + unpadder.finalize()
        except (KeyError, TypeError, ValueError) as exc:
            raise TerminalProtocolError(
                "the terminal's encrypted answer cannot be read: check [payment] "
                "key_identifier, key_passphrase and key_version") from exc
        if not hmac.compare_digest(hmac.new(self.hmac_key, plaintext, hashlib.sha256).digest(),
                                   mac):
            raise TerminalProtocolError(
                "the terminal's answer failed its HMAC check: check [payment] key_passphrase")
        return plaintext


# -- parsing answers ----------------------------------------------------------------------------
def receipt_lines(output_text: list[dict[str, Any]]) -> tuple[str, ...]:
    """nexo OutputText rows (``name=Card&value=...&key=pan``, URL-encoded) as printable lines."""
    lines = []
    for row in output_text:
        fields = dict(parse_qsl(str(row.get("Text", "")), keep_blank_values=True))
        name, value = fields.get("name", ""), fields.get("value", "")
        if name and value:
            lines.append(f"{name}: {value}")
        else:
            lines.append(name or value)
    return tuple(lines)


def receipts(response: dict[str, Any]) -> tuple[ReceiptCopy, ...]:
    out = []
    for doc in response.get("PaymentReceipt") or []:
        copy = COPIES.get(str(doc.get("DocumentQualifier", "")))
        if copy is None:
            continue
        text = ((doc.get("OutputContent") or {}).get("OutputText")) or []
        out.append(ReceiptCopy(copy, receipt_lines(text), bool(doc.get("RequiredSignatureFlag"))))
    return tuple(out)


def _poi_ref(response: dict[str, Any]) -> tuple[str, str]:
    poi = ((response.get("POIData") or {}).get("POITransactionID")) or {}
    return str(poi.get("TransactionID", "")), str(poi.get("TimeStamp", ""))


def payment_result(response: dict[str, Any], exponent: int) -> CardResult:
    """A PaymentResponse (or ReversalResponse) body as a CardResult."""
    r = response.get("Response") or {}
    result = str(r.get("Result", ""))
    extra = dict(parse_qsl(str(r.get("AdditionalResponse", "")), keep_blank_values=True))
    tx_id, tx_time = _poi_ref(response)
    ref = f"{tx_id}|{tx_time}" if tx_id else ""
    if result not in ("Success", "Partial"):
        condition = str(r.get("ErrorCondition", "")) or "Failure"
        reason = extra.get("refusalReason") or extra.get("message") or condition
        outcome = Outcome.ABORTED if condition in ABORTED_CONDITIONS else Outcome.DECLINED
        word = "aborted" if outcome is Outcome.ABORTED else "declined"
        return CardResult(outcome, 0, scrub(f"{word}: {reason}")[:120], result_code=condition,
                          transaction_ref=ref, receipts=receipts(response))
    pay = response.get("PaymentResult") or {}
    card = ((pay.get("PaymentInstrumentData") or {}).get("CardData")) or {}
    acq = pay.get("PaymentAcquirerData") or {}
    amounts = pay.get("AmountsResp") or {}
    amount = to_minor(amounts["AuthorizedAmount"], exponent) if "AuthorizedAmount" in amounts \
        else 0
    details = CardDetails(
        masked_pan=str(card.get("MaskedPan", "")), brand=str(card.get("PaymentBrand", "")),
        terminal_id=str(extra.get("tid") or acq.get("AcquirerPOIID", "")),
        # the PSP reference's last digits, as a trace number: a whole 16-digit reference may
        # look like a card number to a scan of the register's files
        trace_no=tx_id.split(".")[-1][-6:], receipt_no="",
        auth_code=str(acq.get("ApprovalCode", "")))
    return CardResult(Outcome.APPROVED, amount,
                      "approved" if result == "Success" else "partly approved", details,
                      result, ref, receipts(response))


# -- the terminal ---------------------------------------------------------------------------
class NexoTerminal:
    """A nexo/SaleToPOI terminal (see the module docstring). ``transport``: an httpx transport
    for tests; otherwise TLS as configured (``ca_file`` and ``server_name``)."""

    def __init__(self, settings: TerminalSettings, transport: Any = None) -> None:
        import httpx

        self.settings = settings
        self.name = f"nexo terminal {settings.poi_id} at {settings.address}"
        self._httpx = httpx
        self._crypto = (NexoCrypto(settings.key_identifier, settings.key_passphrase,
                                   settings.key_version) if settings.encrypted else None)
        verify: Any = True
        if settings.ca_file:
            verify = ssl.create_default_context(cafile=settings.ca_file)
        self._client = httpx.Client(verify=verify, transport=transport,
                                    timeout=httpx.Timeout(settings.timeout,
                                                          connect=settings.connect_timeout))
        self._current: str | None = None  # ServiceID of the payment in progress
        self._lock = threading.Lock()
        self._exponent = EXPONENTS.get(settings.currency, 2)

    # -- one message pair -----------------------------------------------------------------
    def _header(self, category: str, sid: str) -> dict[str, Any]:
        return {"ProtocolVersion": PROTOCOL_VERSION, "MessageClass": "Service",
                "MessageCategory": category, "MessageType": "Request", "ServiceID": sid,
                "SaleID": self.settings.sale_id, "POIID": self.settings.poi_id}

    def _post(self, category: str, sid: str, body_name: str, body: dict[str, Any],
              timeout: float | None = None) -> dict[str, Any] | None:
        header = self._header(category, sid)
        message = {"SaleToPOIRequest": {"MessageHeader": header, body_name: body}}
        payload = dumps(message)
        if self._crypto is not None:
            payload = dumps({"SaleToPOIRequest": self._crypto.encrypt(payload, header)})
        httpx = self._httpx
        ext = {"sni_hostname": self.settings.server_name} if self.settings.server_name else {}
        try:
            resp = self._client.post(
                self.settings.address.url, content=payload, extensions=ext,
                headers={"Content-Type": "application/json"},
                timeout=self._httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        except httpx.ConnectError as exc:
            raise self._connect_error(exc) from exc
        except httpx.ConnectTimeout as exc:
            raise TerminalUnreachableError(f"{self.name} does not answer: check it is on and "
                                           "connected to the network") from exc
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise TerminalTimeoutError(
                f"{self.name} did not answer ({type(exc).__name__}): whether the card was "
                "charged is not known yet") from exc
        if resp.status_code >= 400:
            raise TerminalError(f"{self.name} refused the message (HTTP {resp.status_code}): "
                                "check [payment] poi_id and the terminal's settings")
        if not resp.content.strip() or resp.content.strip() == b"ok":
            return None  # an AbortRequest is answered with nothing
        doc = loads(resp.content)
        outer = doc.get("SaleToPOIResponse") if isinstance(doc, dict) else None
        if isinstance(doc, dict) and "SaleToPOIRequest" in doc:  # an event or an error
            outer = doc["SaleToPOIRequest"]
        if not isinstance(outer, dict):
            raise TerminalProtocolError(f"{self.name} answered without a SaleToPOIResponse")
        event = outer.get("EventNotification")
        if isinstance(event, dict):  # the terminal rejected the message: nothing happened
            details = dict(parse_qsl(str(event.get("EventDetails", ""))))
            why = details.get("message") or str(event.get("EventToNotify", "Reject"))
            raise TerminalError(f"{self.name} rejected the message ({why}): check [payment] "
                                "poi_id, key_identifier, key_passphrase and key_version")
        if "NexoBlob" in outer:
            if self._crypto is None:
                raise TerminalProtocolError(f"{self.name} answered encrypted: set [payment] "
                                            "key_identifier and key_passphrase")
            inner = loads(self._crypto.decrypt(outer))
            outer = inner.get("SaleToPOIResponse") or inner.get("SaleToPOIRequest") or {}
        elif self._crypto is not None:
            raise TerminalProtocolError(f"{self.name} answered unencrypted although a key is "
                                        "configured")
        got = (outer.get("MessageHeader") or {}).get("ServiceID")
        if got not in (None, sid):
            raise TerminalProtocolError(f"{self.name} answered another message ({got})")
        return outer

    def _connect_error(self, exc: Exception) -> TerminalUnreachableError:
        text = str(exc)
        if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
            return TerminalUnreachableError(
                f"{self.name}: its TLS certificate is not trusted ({text[:120]}): check "
                "[payment] ca_file and server_name")
        return TerminalUnreachableError(
            f"{self.name} cannot be reached ({text[:120] or type(exc).__name__}): check it is "
            "on, the address in [payment] port and the network")

    def _body(self, outer: dict[str, Any] | None, name: str) -> dict[str, Any]:
        if outer is None or not isinstance(outer.get(name), dict):
            raise TerminalProtocolError(f"{self.name} answered without a {name}")
        return outer[name]

    def _amounts(self, request: PaymentRequest) -> dict[str, Any]:
        self._exponent = request.exponent
        return {"Currency": request.currency,
                "RequestedAmount": to_decimal(request.amount, request.exponent)}

    # -- the port -------------------------------------------------------------------------
    def register(self) -> TerminalInfo:
        outer = self._post("Diagnosis", service_id(os.urandom(8).hex()), "DiagnosisRequest",
                           {"HostDiagnosisFlag": False}, timeout=30)
        body = self._body(outer, "DiagnosisResponse")
        if (body.get("Response") or {}).get("Result") != "Success":
            raise TerminalError(f"{self.name} reports a problem: "
                                f"{(body.get('Response') or {}).get('ErrorCondition', '?')}")
        status = (body.get("POIStatus") or {}).get("GlobalStatus", "OK")
        return TerminalInfo(self.name, self.settings.poi_id, f"status {status}")

    def pay(self, request: PaymentRequest, on_status: StatusCallback = no_status) -> CardResult:
        return self._payment(request, "Normal", on_status)

    def _payment(self, request: PaymentRequest, kind: str, on_status: StatusCallback
                 ) -> CardResult:
        sid = service_id(request.reference)
        body: dict[str, Any] = {
            "SaleData": {"SaleTransactionID": {"TransactionID": request.reference[:36],
                                               "TimeStamp": _now()}},
            "PaymentTransaction": {"AmountsReq": self._amounts(request)},
        }
        if kind != "Normal":
            body["PaymentData"] = {"PaymentType": kind}
        with self._lock:
            self._current = sid
        on_status("follow the terminal: the customer taps, inserts or swipes the card")
        try:
            outer = self._post("Payment", sid, "PaymentRequest", body)
        finally:
            with self._lock:
                self._current = None
        return payment_result(self._body(outer, "PaymentResponse"), request.exponent)

    def refund(self, request: PaymentRequest, original_ref: str = "",
               on_status: StatusCallback = no_status) -> CardResult:
        if not original_ref:
            return self._payment(request, "Refund", on_status)
        return self._reversal(request, original_ref, request.amount)

    def reverse(self, request: PaymentRequest, original_ref: str,
                on_status: StatusCallback = no_status) -> CardResult:
        return self._reversal(request, original_ref, None)

    def _reversal(self, request: PaymentRequest, original_ref: str, amount: int | None
                  ) -> CardResult:
        tx_id, _, stamp = original_ref.partition("|")
        if not tx_id:
            raise TerminalError("this payment has no terminal transaction to reverse")
        body: dict[str, Any] = {
            "OriginalPOITransaction": {"POITransactionID": {"TransactionID": tx_id,
                                                            "TimeStamp": stamp}},
            "ReversalReason": "MerchantCancel",
        }
        if amount is not None:
            body["ReversedAmount"] = to_decimal(amount, request.exponent)
        outer = self._post("Reversal", service_id(request.reference), "ReversalRequest", body)
        rb = self._body(outer, "ReversalResponse")
        got = payment_result(rb, request.exponent)
        if got.outcome is Outcome.APPROVED:
            amt = amount if amount is not None else request.amount
            return CardResult(Outcome.APPROVED, amt, "reversed", got.card, got.result_code,
                              got.transaction_ref or original_ref, got.receipts)
        return got

    def last_transaction(self, request: PaymentRequest, known: tuple[str, ...] = ()
                         ) -> LastTransaction:
        body = {
            "MessageReference": {"MessageCategory": "Payment", "SaleID": self.settings.sale_id,
                                 "ServiceID": service_id(request.reference)},
            "DocumentQualifier": ["CashierReceipt", "CustomerReceipt"],
            "ReceiptReprintFlag": True,
        }
        outer = self._post("TransactionStatus", service_id(request.reference, "status"),
                           "TransactionStatusRequest", body, timeout=30)
        ts = self._body(outer, "TransactionStatusResponse")
        r = ts.get("Response") or {}
        if r.get("Result") != "Success":
            condition = r.get("ErrorCondition")
            if condition == "InProgress":
                return LastTransaction(found=False, in_progress=True)
            return LastTransaction(found=False)
        repeated = ((ts.get("RepeatedMessageResponse") or {})
                    .get("RepeatedResponseMessageBody") or {})
        payment = repeated.get("PaymentResponse")
        if not isinstance(payment, dict):
            return LastTransaction(found=False)
        return LastTransaction(found=True, result=payment_result(payment, request.exponent))

    def abort(self) -> None:
        with self._lock:
            sid = self._current
        if sid is None:
            return
        body = {"AbortReason": "MerchantAbort",
                "MessageReference": {"MessageCategory": "Payment", "SaleID": self.settings.sale_id,
                                     "ServiceID": sid}}
        with contextlib.suppress(TerminalError):  # the payment's own answer tells the outcome
            self._post("Abort", service_id(sid, "abort"), "AbortRequest", body, timeout=10)

    def end_of_day(self, on_status: StatusCallback = no_status) -> TerminalTotals:
        outer = self._post("Reconciliation", service_id(os.urandom(8).hex()),
                           "ReconciliationRequest", {"ReconciliationType": "SaleReconciliation"},
                           timeout=60)
        body = self._body(outer, "ReconciliationResponse")
        if (body.get("Response") or {}).get("Result") != "Success":
            raise TerminalError(f"{self.name}: end-of-day failed: "
                                f"{(body.get('Response') or {}).get('ErrorCondition', '?')}")
        count = amount = 0
        brands: list[tuple[str, int, int]] = []
        for group in body.get("TransactionTotals") or []:
            brand = str(group.get("CardBrand") or group.get("PaymentInstrumentType") or "card")
            g_count = g_amount = 0
            for t in group.get("PaymentTotals") or []:
                n = int(t.get("TransactionCount", 0))
                value = to_minor(t.get("TransactionAmount", 0), self._exponent)
                kind = t.get("TransactionType")
                if kind == "Debit":
                    g_count += n
                    g_amount += value
                elif kind in ("ReverseDebit", "Credit"):
                    g_amount -= value
            count += g_count
            amount += g_amount
            brands.append((brand, g_count, g_amount))
        return TerminalTotals(count, amount, tuple(brands))

    def close(self) -> None:
        self._client.close()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

"""A nexo Retailer / SaleToPOI terminal on a real loopback HTTP(S) socket, as Adyen's local
Terminal API: POST /nexo with a ``SaleToPOIRequest``, the ``SaleToPOIResponse`` in the same
HTTP exchange (a payment's answer comes when the "customer" is done).

Built from Adyen's published Terminal API (message and field names of its API reference, and
the response layout of its own test fixtures: adyen-node-api-library
src/__mocks__/terminalApi/sync.ts). It answers Payment, Reversal (void and referenced refund),
TransactionStatus (by the payment's ServiceID: the stored response, InProgress or NotFound),
Abort (of the payment in progress: it then ends with ErrorCondition "Aborted"), Diagnosis and
Reconciliation. With ``passphrase`` it speaks only the encrypted security trailer; with
``tls`` (a trustme CA) it serves HTTPS with a certificate for ``server_name``.

``script`` / ``default`` per payment, as the ZVT emulator: approve, decline, silent (hold the
answer until ``release()``, the payment stays "in progress"), drop-before (close without an
answer, nothing charged), drop-after (charge, then close without an answer), slow (take
``slow_s`` seconds, so a test can abort it). ``pause_at`` "charged" blocks after charging.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pos_terminal.hardware.errors import TerminalProtocolError
from pos_terminal.hardware.nexo import NexoCrypto, dumps, loads


@dataclass
class Payment:
    service_id: str
    amount: Decimal
    approved: bool
    tx_id: str = ""
    stamp: str = ""
    reversed: Decimal = Decimal(0)
    response: dict[str, Any] | None = None  # None while in progress
    aborted: bool = False


class _Drop(Exception):
    """Close the connection without an answer."""


class NexoEmulator:
    def __init__(self, poi_id: str = "V400m-324688179", passphrase: str = "",
                 key_identifier: str = "mykey", tls: Any = None,
                 server_name: str = "v400m-324688179.test.terminal.example") -> None:
        self.poi_id = poi_id
        self.crypto = NexoCrypto(key_identifier, passphrase, 1) if passphrase else None
        self.script: list[str] = []
        self.default = "approve"
        self.slow_s = 3.0
        self.leak_pan = ""  # a misconfigured terminal: the whole card number everywhere
        self.payments: dict[str, Payment] = {}  # by ServiceID
        self.requests: list[dict[str, Any]] = []  # decrypted SaleToPOIRequests received
        self.raw: list[bytes] = []  # the bodies as they came over the wire
        self.pause_at: str | None = None
        self.reached = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._seq = 0
        self._batch: list[Payment] = []
        emu = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                try:
                    answer = emu.handle(body)
                except _Drop:
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.issue_cert(server_name).configure_cert(ctx)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.port = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/nexo"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # -- controls ---------------------------------------------------------------------------
    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> NexoEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def charged_total(self) -> Decimal:
        return sum((p.amount - p.reversed for p in self.payments.values() if p.approved
                    and not p.aborted), Decimal(0))

    @property
    def charges(self) -> list[Payment]:
        return [p for p in self.payments.values() if p.approved and not p.aborted]

    # -- one message --------------------------------------------------------------------------
    def handle(self, body: bytes) -> bytes:
        self.raw.append(body)
        doc = loads(body)["SaleToPOIRequest"]
        if self.crypto is not None:
            if "NexoBlob" not in doc:
                return self._wrap(doc["MessageHeader"], "PaymentResponse",
                                  {"Response": {"Result": "Failure",
                                                "ErrorCondition": "NotAllowed"}})
            try:
                doc = loads(self.crypto.decrypt(doc))["SaleToPOIRequest"]
            except TerminalProtocolError:  # Adyen answers a message it cannot read so
                return dumps({"SaleToPOIRequest": {
                    "MessageHeader": {**doc["MessageHeader"], "MessageCategory": "Event",
                                      "MessageType": "Notification"},
                    "EventNotification": {"EventToNotify": "Reject",
                                          "EventDetails": "message=Crypto%20Error"}}})
        with self._lock:
            self.requests.append(doc)
        header = doc["MessageHeader"]
        category = header["MessageCategory"]
        if category == "Payment":
            return self._payment(header, doc["PaymentRequest"])
        if category == "Abort":
            ref = doc["AbortRequest"]["MessageReference"]["ServiceID"]
            with self._lock:
                p = self.payments.get(ref)
                if p is not None and p.response is None:
                    p.aborted = True
            self._release.set()
            return b""
        if category == "TransactionStatus":
            return self._status(header, doc["TransactionStatusRequest"])
        if category == "Reversal":
            return self._reversal(header, doc["ReversalRequest"])
        if category == "Diagnosis":
            return self._wrap(header, "DiagnosisResponse", {
                "Response": {"Result": "Success"},
                "POIStatus": {"GlobalStatus": "OK"}})
        if category == "Reconciliation":
            return self._reconciliation(header)
        return self._wrap(header, f"{category}Response",
                          {"Response": {"Result": "Failure", "ErrorCondition": "NotAllowed"}})

    def _wrap(self, header: dict[str, Any], name: str, body: dict[str, Any]) -> bytes:
        head = {**header, "MessageType": "Response"}
        plain = dumps({"SaleToPOIResponse": {"MessageHeader": head, name: body}})
        if self.crypto is None:
            return plain
        return dumps({"SaleToPOIResponse": self.crypto.encrypt(plain, head)})

    def _payment(self, header: dict[str, Any], req: dict[str, Any]) -> bytes:
        how = self.script.pop(0) if self.script else self.default
        amount = Decimal(str(req["PaymentTransaction"]["AmountsReq"]["RequestedAmount"]))
        sid = header["ServiceID"]
        refund = (req.get("PaymentData") or {}).get("PaymentType") == "Refund"
        p = Payment(sid, -amount if refund else amount, how not in ("decline", "drop-before"))
        with self._lock:
            self.payments[sid] = p
        if how == "drop-before":
            with self._lock:
                del self.payments[sid]
            raise _Drop
        if how in ("silent", "slow"):
            self._release.clear()
            self._release.wait(600 if how == "silent" else self.slow_s)
        if p.aborted:
            p.approved = False
            p.response = {"Response": {"Result": "Failure", "ErrorCondition": "Aborted",
                                       "AdditionalResponse": "message=Cancelled%20by%20POS"}}
            return self._wrap(header, "PaymentResponse", p.response)
        if how == "decline":
            p.response = {
                "Response": {"Result": "Failure", "ErrorCondition": "Refusal",
                             "AdditionalResponse": "refusalReason=Not%20enough%20balance"},
                "POIData": self._poi(p)}
            return self._wrap(header, "PaymentResponse", p.response)
        with self._lock:
            self._batch.append(p)
        p.response = self._approved(p, req)
        if self.pause_at == "charged":
            self.reached.set()
            self._release.clear()
            self._release.wait(60)
        if how == "drop-after":
            raise _Drop
        return self._wrap(header, "PaymentResponse", p.response)

    def _poi(self, p: Payment) -> dict[str, Any]:
        if not p.tx_id:
            with self._lock:
                self._seq += 1
                p.tx_id = f"4r7i0015573255{self._seq:05d}.88155732551{self._seq:05d}"
            p.stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        return {"POITransactionID": {"TransactionID": p.tx_id, "TimeStamp": p.stamp},
                "POIReconciliationID": "1000"}

    def _approved(self, p: Payment, req: dict[str, Any]) -> dict[str, Any]:
        poi = self._poi(p)
        lines = [("key=header1", None), ("name=MERCHANT%20COPY&key=merchantTitle", None),
                 ("name=Card&value=" + (self.leak_pan or "%2a" * 12 + "0010") + "&key=pan",
                  None),
                 ("name=Auth.%20code&value=123456&key=authCode", None),
                 ("name=TOTAL&value=EUR%20" + str(abs(p.amount)) + "&key=totalAmount", None),
                 ("name=APPROVED&key=approved", None)]
        text = [{"CharacterStyle": "Bold", "EndOfLineFlag": True, "Text": t} for t, _ in lines]
        customer = [dict(x) for x in text]
        customer[1] = {"EndOfLineFlag": True,
                       "Text": "name=CARDHOLDER%20COPY&key=cardholderHeader"}
        return {
            "Response": {"Result": "Success", "AdditionalResponse": (
                "tid=75039202&cardBin=541333&expiryDate=12%2f2025&alias=K182596230843790"
                "&authCode=123456&txRef=" + p.tx_id.split(".")[0])},
            "POIData": poi,
            "SaleData": {"SaleTransactionID": req["SaleData"]["SaleTransactionID"]},
            "PaymentResult": {
                "AmountsResp": {"AuthorizedAmount": abs(p.amount), "Currency": "EUR"},
                "PaymentAcquirerData": {"ApprovalCode": "123456",
                                        "AcquirerPOIID": self.poi_id},
                "PaymentInstrumentData": {"PaymentInstrumentType": "Card", "CardData": {
                    "MaskedPan": self.leak_pan or "541333 **** 0010", "PaymentBrand": "mc",
                    "EntryMode": ["Contactless"],
                    "SensitiveCardData": {"ExpiryDate": "1225", "CardSeqNumb": "01"}}},
            },
            "PaymentReceipt": [
                {"DocumentQualifier": "CashierReceipt", "RequiredSignatureFlag": False,
                 "OutputContent": {"OutputFormat": "Text", "OutputText": text}},
                {"DocumentQualifier": "CustomerReceipt", "RequiredSignatureFlag": False,
                 "OutputContent": {"OutputFormat": "Text", "OutputText": customer}},
            ],
        }

    def _status(self, header: dict[str, Any], req: dict[str, Any]) -> bytes:
        ref = req["MessageReference"]["ServiceID"]
        with self._lock:
            p = self.payments.get(ref)
        if p is None:
            body: dict[str, Any] = {"Response": {"Result": "Failure",
                                                 "ErrorCondition": "NotFound"}}
        elif p.response is None:
            body = {"Response": {"Result": "Failure", "ErrorCondition": "InProgress"}}
        else:
            body = {"Response": {"Result": "Success"}, "MessageReference": req["MessageReference"],
                    "RepeatedMessageResponse": {
                        "MessageHeader": {**header, "MessageCategory": "Payment",
                                          "ServiceID": ref, "MessageType": "Response"},
                        "RepeatedResponseMessageBody": {"PaymentResponse": p.response}}}
        return self._wrap(header, "TransactionStatusResponse", body)

    def _reversal(self, header: dict[str, Any], req: dict[str, Any]) -> bytes:
        tx = req["OriginalPOITransaction"]["POITransactionID"]["TransactionID"]
        with self._lock:
            p = next((x for x in self.payments.values() if x.tx_id == tx and x.approved), None)
        amount = Decimal(str(req["ReversedAmount"])) if "ReversedAmount" in req else None
        if p is None or p.reversed >= p.amount or (
                amount is not None and p.reversed + amount > p.amount):
            return self._wrap(header, "ReversalResponse", {
                "Response": {"Result": "Failure", "ErrorCondition": "NotAllowed",
                             "AdditionalResponse": "message=Original%20transaction%20not%20"
                             "found%20or%20already%20reversed"}})
        p.reversed += p.amount if amount is None else amount
        return self._wrap(header, "ReversalResponse", {
            "Response": {"Result": "Success"},
            "POIData": {"POITransactionID": {"TransactionID": p.tx_id + "R",
                                             "TimeStamp": p.stamp}}})

    def _reconciliation(self, header: dict[str, Any]) -> bytes:
        with self._lock:
            batch, self._batch = self._batch, []
        debit = [p for p in batch if p.amount > 0]
        body = {"Response": {"Result": "Success"}, "ReconciliationType": "SaleReconciliation",
                "TransactionTotals": [{
                    "PaymentInstrumentType": "Card", "CardBrand": "mc",
                    "PaymentTotals": [
                        {"TransactionType": "Debit", "TransactionCount": len(debit),
                         "TransactionAmount": sum((p.amount for p in debit), Decimal(0))},
                        {"TransactionType": "ReverseDebit", "TransactionCount":
                         sum(1 for p in debit if p.reversed),
                         "TransactionAmount": sum((p.reversed for p in debit), Decimal(0))},
                    ]}]}
        return self._wrap(header, "ReconciliationResponse", body)


def plain(body: bytes) -> dict[str, Any]:
    """A request body as JSON (for tests that look at the wire)."""
    return json.loads(body)

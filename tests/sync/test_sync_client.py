"""The HTTP client: headers, gzip, answers parsed with the wire schema, every failure a
``SyncError`` with a message that names the central and never the token."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

import httpx
import pytest

from pos_terminal.errors import InputError
from pos_terminal.sync.client import CentralClient
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
from pos_terminal.sync.settings import check_url

TOKEN = "tok-secret-123"


def client_for(handler: httpx.MockTransport | None = None, **kw: object) -> CentralClient:
    return CentralClient("http://central.test", TOKEN, transport=handler, **kw)  # type: ignore[arg-type]


def test_push_sends_token_gzip_and_parses_the_answer() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"held": ["a"], "rejected": [
            {"event_id": "b", "field": "events[1].type", "reason": "unknown"}]})

    with client_for(httpx.MockTransport(handle)) as c:
        answer = c.push(b'{"events":[]}')
    r = seen[0]
    assert r.url.path == "/api/v1/events" and r.method == "POST"
    assert r.headers["authorization"] == f"Bearer {TOKEN}"
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.content) == b'{"events":[]}'
    assert r.headers["user-agent"].startswith("pos-terminal/")
    assert answer.held == ("a",) and answer.rejected[0].reason == "unknown"


def test_enroll_sends_no_token() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"token": "t", "store": "S1", "register": "R1"})

    with CentralClient("http://central.test", transport=httpx.MockTransport(handle)) as c:
        got = c.enroll("AAAA-BBBB")
    assert "authorization" not in seen[0].headers
    assert json.loads(seen[0].content) == {"code": "AAAA-BBBB"}
    assert (got.store, got.register) == ("S1", "R1")


@pytest.mark.parametrize(("status", "error", "field"), [
    (401, NotEnrolledError, "events[2].seq"), (403, NotEnrolledError, None),
    (413, BatchTooLargeError, "events[2].seq"), (422, BatchRejectedError, "events[2].seq"),
    (400, BatchRejectedError, "events[2].seq"), (500, CentralServerError, "events[2].seq"),
    (503, CentralServerError, "events[2].seq"), (429, CentralServerError, "events[2].seq"),
    (404, CentralServerError, "events[2].seq"),
    # a 403 naming an event: it names another store's object, not this register's token
    (403, BatchRejectedError, "events[2].payload.transfer_id"),
])
def test_status_codes_become_project_errors(status: int, error: type[SyncError],
                                            field: str | None) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": "nope", "field": field},
                              headers={"retry-after": "7"})

    with client_for(httpx.MockTransport(handle)) as c, pytest.raises(error) as got:
        c.push(b"{}")
    assert TOKEN not in str(got.value)
    assert "http://central.test" in str(got.value)
    if error is BatchRejectedError:
        assert got.value.field == field  # type: ignore[attr-defined]
        assert str(got.value).endswith(f"{field}: nope")  # the quarantine says which field
    if error is NotEnrolledError:
        assert "run pos-terminal provision" in str(got.value)
        assert got.value.retry is False
    if status == 429:
        assert got.value.retry_after == 7  # type: ignore[attr-defined]


def test_wrong_enrollment_code_is_an_enrollment_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": "this enrollment code was already used",
                                         "field": "code"})

    with CentralClient("http://c.test", transport=httpx.MockTransport(handle)) as c, \
            pytest.raises(EnrollmentError, match="already used"):
        c.enroll("X")


def test_a_body_that_is_not_the_protocol_is_a_retryable_server_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/catalog"):
            return httpx.Response(200, content=b"<html>captive portal</html>")
        return httpx.Response(200, json={"held": "all of them"})

    with client_for(httpx.MockTransport(handle)) as c:
        with pytest.raises(CentralServerError, match="not JSON"):
            c.catalog(0)
        with pytest.raises(CentralServerError, match="cannot read") as got:
            c.push(b"{}")
    assert got.value.retry


def test_html_error_pages_are_summarised() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, content=b"<html>Bad Gateway</html>")

    with client_for(httpx.MockTransport(handle)) as c, \
            pytest.raises(CentralServerError, match=r"502.*Bad Gateway"):
        c.movements(0)


def test_network_errors_become_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    for handler, text in ((refuse, "cannot connect"), (slow, "did not answer in time"),
                          (reset, "broke")):
        with client_for(httpx.MockTransport(handler)) as c, \
                pytest.raises(CentralUnreachableError, match=text) as got:
            c.push(b"{}")
        assert got.value.retry and TOKEN not in str(got.value)


def test_a_closed_port_on_loopback_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with CentralClient(f"http://127.0.0.1:{port}", TOKEN, timeout=2) as c, \
            pytest.raises(CentralUnreachableError, match=f"127.0.0.1:{port}"):
        c.status()


def test_tls_is_verified_by_default(tmp_path: Path) -> None:
    """A self-signed server certificate is refused unless told otherwise (needs no network:
    the failure is local to the handshake with a loopback server)."""
    import ssl
    import subprocess
    import threading

    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True)
    if made.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]

    def serve() -> None:
        for _ in range(2):
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    body = b'{"ok": true, "protocol": 1}'
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                                % (len(body), body))
            except (ssl.SSLError, OSError):
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with CentralClient(f"https://127.0.0.1:{port}", TOKEN, timeout=5) as c, \
                pytest.raises(CentralTLSError, match="certificate"):
            c.health()
        with CentralClient(f"https://127.0.0.1:{port}", TOKEN, verify=False, timeout=5) as c:
            assert c.health().body == {"ok": True, "protocol": 1}
    finally:
        srv.close()
        t.join(5)


def test_check_url() -> None:
    assert check_url("https://c.example.com/") == "https://c.example.com"
    assert check_url("http://127.0.0.1:8000/api/v1") == "http://127.0.0.1:8000"
    for bad in ("ftp://x", "c.example.com", "https://u:p@c.example.com", "http://x:99999",
                "https://c.example.com/?a=1"):
        with pytest.raises(InputError):
            check_url(bad)


def test_repr_hides_the_token() -> None:
    c = client_for()
    assert TOKEN not in repr(c)
    c.close()

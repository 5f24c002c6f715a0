"""`GET /webapi/connectionupgrade`: the tunnel through an L7 load balancer.

Follows Teleport's lib/web/conn_upgrade.go: the upgrade type is taken from the
`X-Teleport-Upgrade` and `Upgrade` headers (WebSocket preferred, then `alpn-ping`, then
`alpn`). WebSocket (gorilla's Upgrader, sub-protocols `alpn` and `alpn-ping` in that
server order): binary frames carry the inner connection, a Close frame is EOF, pongs are
ignored, and under `alpn-ping` the server sends a Ping with payload `teleport` every
ProxyPingInterval (lib/defaults: 30 s; SANDBOX_CONN_UPGRADE_PING_SECONDS overrides it).
The legacy upgrade answers 101 with `Upgrade`/`X-Teleport-Upgrade` and then carries the
raw stream (`alpn`) or api/utils/pingconn framing (`alpn-ping`: 4-byte big-endian length,
0 = ping). The inner connection is routed by its own ClientHello like the TLS-routing
port (lib/srv/alpnproxy).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import socket
import struct
import threading
from typing import Callable, List, Optional

log = logging.getLogger("sandbox.websocket")

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SUBPROTOCOLS = ["alpn", "alpn-ping"]   # gorilla picks in this (server) order
DEFAULT_PING_SECONDS = 30.0            # lib/defaults ProxyPingInterval
MAX_FRAME = 64 << 20
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def accept_value(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def ping_seconds() -> float:
    try:
        v = float(os.environ.get("SANDBOX_CONN_UPGRADE_PING_SECONDS", ""))
        return v if v > 0 else DEFAULT_PING_SECONDS
    except ValueError:
        return DEFAULT_PING_SECONDS


def encode_frame(op: int, payload: bytes = b"") -> bytes:
    """A final, unmasked server frame."""
    n = len(payload)
    head = bytes([0x80 | op])
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


class FrameError(Exception):
    pass


def read_exact(read: Callable[[int], bytes], n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        d = read(n - len(out))
        if not d:
            raise EOFError
        out += d
    return bytes(out)


def read_frame(read: Callable[[int], bytes]):
    """(opcode, payload) of one frame, unmasked. Raises EOFError, FrameError."""
    b0, b1 = read_exact(read, 2)
    if b0 & 0x70:
        raise FrameError("reserved bits set")
    op = b0 & 0x0F
    masked = bool(b1 & 0x80)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", read_exact(read, 2))[0]
    elif n == 127:
        n = struct.unpack(">Q", read_exact(read, 8))[0]
        if n >> 63:
            raise FrameError("bad length")
    if op >= 8 and (n > 125 or not b0 & 0x80):
        raise FrameError("bad control frame")
    if n > MAX_FRAME:
        raise FrameError("frame too large")
    mask = read_exact(read, 4) if masked else b""
    payload = read_exact(read, n)
    if masked and n:
        payload = unmask(payload, mask)
    return op, payload


def unmask(payload: bytes, mask: bytes) -> bytes:
    if mask == b"\0\0\0\0":
        return payload
    n = len(payload)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")


def _tokens(values: List[str]) -> List[str]:
    out = []
    for v in values:
        out += [t.strip() for t in v.split(",") if t.strip()]
    return out


class Upgrader:
    """Serves the upgrade on an http.server handler; `route_inner(sock, addr)` gets the
    router's end of a socketpair that carries the inner connection."""

    def __init__(self, route_inner: Callable[[socket.socket, object], None]):
        self.route_inner = route_inner

    def handle(self, h) -> None:
        upgrades = (h.headers.get_all("X-Teleport-Upgrade") or []) + \
            (h.headers.get_all("Upgrade") or [])
        if "websocket" in upgrades:
            self._websocket(h)
        elif "alpn-ping" in upgrades:
            self._legacy(h, "alpn-ping")
        elif "alpn" in upgrades:
            self._legacy(h, "alpn")
        else:
            body = json.dumps({"error": {"message": "unsupported upgrade types: [" +
                                         " ".join(upgrades) + "]"}}, indent=4).encode()
            h._reply(404, body)  # noqa: SLF001 (trace.NotFound through the web handler)

    # ---------------------------------------------------------------- WebSocket

    def _bad(self, h, status: int, reason: str) -> None:
        log.info("websocket upgrade refused: %s", reason)
        text = {400: "Bad Request", 405: "Method Not Allowed"}[status]
        body = (text + "\n").encode()
        h.send_response(status)
        h.send_header("Content-Type", "text/plain; charset=utf-8")
        h.send_header("Sec-Websocket-Version", "13")
        h.send_header("X-Content-Type-Options", "nosniff")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _websocket(self, h) -> None:
        hd = h.headers
        conn = [t.lower() for t in _tokens(hd.get_all("Connection") or [])]
        up = [t.lower() for t in _tokens(hd.get_all("Upgrade") or [])]
        if "upgrade" not in conn:
            return self._bad(h, 400, "'upgrade' token not found in 'Connection' header")
        if "websocket" not in up:
            return self._bad(h, 400, "'websocket' token not found in 'Upgrade' header")
        if h.command != "GET":
            return self._bad(h, 405, "request method is not GET")
        if "13" not in _tokens(hd.get_all("Sec-WebSocket-Version") or []):
            return self._bad(h, 400, "unsupported version")
        key = (hd.get("Sec-WebSocket-Key") or "").strip()
        try:
            ok = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            ok = False
        if not ok:
            return self._bad(h, 400, "bad Sec-WebSocket-Key")
        offered = _tokens(hd.get_all("Sec-WebSocket-Protocol") or [])
        proto = next((p for p in SUBPROTOCOLS if p in offered), "")
        resp = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_value(key)}\r\n")
        if proto:
            resp += f"Sec-WebSocket-Protocol: {proto}\r\n"
        h.wfile.write((resp + "\r\n").encode())
        h.close_connection = True
        h.api.log_request({"method": h.command, "path": h.path, "status": 101,
                           "upgrade": "websocket", "protocol": proto,
                           "remote": h.client_address[0]})
        if not proto:
            return  # unknown or no sub-protocol: Teleport just closes
        out = h.connection
        wlock = threading.Lock()

        def send(frame: bytes) -> None:
            with wlock:
                out.sendall(frame)

        def read(n: int) -> bytes:
            return h.rfile.read1(n) if n else b""

        def reader(inner: socket.socket) -> None:
            try:
                while True:
                    op, payload = read_frame(read)
                    if op in (OP_BINARY, OP_CONT):
                        if payload:
                            inner.sendall(payload)
                    elif op == OP_CLOSE:
                        break
                    # pong: answer to our ping, nothing to do; ping and text: ignored
            except (EOFError, FrameError, OSError, ValueError) as e:
                log.debug("websocket reader: %s", e)

        self._pump(h, send, reader, lambda d: encode_frame(OP_BINARY, d),
                   encode_frame(OP_PING, b"teleport") if proto == "alpn-ping" else None)

    # ---------------------------------------------------------------- legacy

    def _legacy(self, h, kind: str) -> None:
        h.wfile.write((f"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                       f"Upgrade: {kind}\r\nX-Teleport-Upgrade: {kind}\r\n\r\n").encode())
        h.close_connection = True
        h.api.log_request({"method": h.command, "path": h.path, "status": 101,
                           "upgrade": kind, "remote": h.client_address[0]})
        out = h.connection
        wlock = threading.Lock()

        def send(data: bytes) -> None:
            with wlock:
                out.sendall(data)

        def read(n: int) -> bytes:
            return h.rfile.read1(n) if n else b""

        if kind == "alpn":
            def reader(inner: socket.socket) -> None:
                try:
                    while True:
                        d = h.rfile.read1(1 << 16)
                        if not d:
                            return
                        inner.sendall(d)
                except OSError:
                    pass
            self._pump(h, send, reader, lambda d: d, None)
            return

        def ping_reader(inner: socket.socket) -> None:
            try:
                while True:
                    n = struct.unpack(">I", read_exact(read, 4))[0]
                    if n == 0:
                        continue  # a ping
                    if n > MAX_FRAME:
                        return
                    inner.sendall(read_exact(read, n))
            except (EOFError, OSError):
                pass

        self._pump(h, send, ping_reader, lambda d: struct.pack(">I", len(d)) + d,
                   b"\0\0\0\0")

    # ---------------------------------------------------------------- pump

    def _pump(self, h, send, reader, encode, ping: Optional[bytes]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        threading.Thread(target=self.route_inner, args=(theirs, h.client_address),
                         daemon=True, name="upgrade-inner").start()
        done = threading.Event()

        def writer() -> None:
            try:
                while True:
                    d = ours.recv(1 << 18)
                    if not d:
                        break
                    send(encode(d))
            except OSError:
                pass
            done.set()
            # The inner connection ended: close the outer one (Teleport closes the
            # WebSocket's connection without a Close frame).
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def pinger() -> None:
            interval = ping_seconds()
            while not done.wait(interval):
                try:
                    send(ping)
                except OSError:
                    return

        wt = threading.Thread(target=writer, daemon=True, name="upgrade-writer")
        wt.start()
        if ping is not None:
            threading.Thread(target=pinger, daemon=True, name="upgrade-ping").start()
        reader(ours)
        try:
            ours.shutdown(socket.SHUT_WR)  # EOF to the inner connection
        except OSError:
            pass
        wt.join(timeout=30)
        done.set()
        try:
            ours.close()
        except OSError:
            pass

"""A minimal gRPC-over-HTTP/2 client for tests, on Python ssl and the `h2` package.

grpcio's client cannot choose the ALPN list, so tests that must offer
`teleport-proxy-ssh-grpc` then `h2` (as Go tsh does) use this. It also runs over a
WebSocket-tunnelled stream (`/webapi/connectionupgrade`) with an inner TLS on a memory
BIO. One stream per connection, synchronous.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import struct
import urllib.parse
from typing import Dict, List, Optional, Tuple

import h2.config
import h2.connection
import h2.events

ALPN_GRPC = ["teleport-proxy-ssh-grpc", "h2"]


def sni_for(cluster: str) -> str:
    return cluster.encode().hex() + ".teleport.cluster.local"


def client_ctx(cafile: Optional[str], certfile: Optional[str], keyfile: Optional[str],
               alpn: Optional[List[str]]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if certfile:
        ctx.load_cert_chain(certfile, keyfile)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


# ------------------------------------------------------------------------ transports

class SocketTransport:
    def __init__(self, sock):
        self.sock = sock

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, n: int = 65536) -> bytes:
        return self.sock.recv(n)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def selected_alpn(self) -> Optional[str]:
        return self.sock.selected_alpn_protocol() if hasattr(
            self.sock, "selected_alpn_protocol") else None


class WebSocketTransport:
    """Client side of the upgrade: masked binary frames out; pings answered with pongs
    (and counted), Close = EOF."""

    def __init__(self, sock, zero_mask: bool = True):
        self.sock = sock
        self.buf = bytearray()
        self.pings = 0
        self.pending = bytearray()
        self.eof = False
        self.zero_mask = zero_mask

    def _frame(self, op: int, payload: bytes) -> bytes:
        n = len(payload)
        head = bytes([0x80 | op])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = b"\0\0\0\0" if self.zero_mask else os.urandom(4)
        if mask != b"\0\0\0\0":
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return head + mask + payload

    def send(self, data: bytes) -> None:
        self.sock.sendall(self._frame(2, data))

    def send_close(self) -> None:
        self.sock.sendall(self._frame(8, b"\x03\xe8"))

    def _need(self, n: int) -> bool:
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                return False
            self.buf += d
        return True

    def read_frame(self) -> Optional[Tuple[int, bytes]]:
        if not self._need(2):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            if not self._need(4):
                return None
            n, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            if not self._need(10):
                return None
            n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        if b1 & 0x80:
            raise ValueError("server frames must not be masked")
        if not self._need(off + n):
            return None
        payload = bytes(self.buf[off:off + n])
        del self.buf[:off + n]
        return b0 & 0x0F, payload

    def recv(self, n: int = 65536) -> bytes:
        while not self.pending and not self.eof:
            f = self.read_frame()
            if f is None:
                self.eof = True
                break
            op, payload = f
            if op == 2 or op == 0:
                self.pending += payload
            elif op == 9:
                self.pings += 1
                self.last_ping = payload
                self.sock.sendall(self._frame(10, payload))
            elif op == 8:
                self.eof = True
        out = bytes(self.pending[:n])
        del self.pending[:n]
        return out

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class InnerTLS:
    """TLS client over another transport (SSLObject on memory BIOs)."""

    def __init__(self, transport, ctx: ssl.SSLContext, server_hostname: str):
        self.t = transport
        self.inb = ssl.MemoryBIO()
        self.outb = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inb, self.outb, server_hostname=server_hostname)
        self._io(self.obj.do_handshake)

    def _flush(self) -> None:
        d = self.outb.read()
        if d:
            self.t.send(d)

    def _io(self, fn, *args):
        while True:
            try:
                r = fn(*args)
                self._flush()
                return r
            except ssl.SSLWantReadError:
                self._flush()
                d = self.t.recv(65536)
                if not d:
                    self.inb.write_eof()
                    try:
                        return fn(*args)
                    except ssl.SSLWantReadError:
                        raise ConnectionError("EOF during TLS")
                self.inb.write(d)

    def send(self, data: bytes) -> None:
        self._io(self.obj.write, data)

    def recv(self, n: int = 65536) -> bytes:
        try:
            return self._io(self.obj.read, n)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return b""

    def selected_alpn(self) -> Optional[str]:
        return self.obj.selected_alpn_protocol()

    def close(self) -> None:
        self.t.close()


def websocket_upgrade(host: str, port: int, web_cafile: str, protocol: str = "alpn-ping",
                      server_hostname: str = "localhost", timeout: float = 15.0,
                      extra_headers: str = "") -> Tuple[int, Dict[str, str], object]:
    """Outer TLS (http/1.1), GET /webapi/connectionupgrade. Returns (status, headers,
    socket), the socket positioned after the response head."""
    raw = socket.create_connection((host, port), timeout=timeout)
    ctx = client_ctx(web_cafile, None, None, ["http/1.1"])
    s = ctx.wrap_socket(raw, server_hostname=server_hostname)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET /webapi/connectionupgrade HTTP/1.1\r\nHost: {server_hostname}:{port}\r\n"
           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Protocol: {protocol}\r\nSec-WebSocket-Version: 13\r\n"
           f"Sec-WebSocket-Key: {key}\r\n{extra_headers}\r\n")
    s.sendall(req.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(1)
        if not d:
            break
        head += d
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    headers["_key"] = key
    return status, headers, s


# ------------------------------------------------------------------------ gRPC

class GrpcError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class GrpcStream:
    """One bidirectional gRPC stream on its own HTTP/2 connection."""

    def __init__(self, transport, path: str, authority: str):
        self.t = transport
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=True, header_encoding="utf-8"))
        self.h2.initiate_connection()
        self.sid = self.h2.get_next_available_stream_id()
        self.h2.send_headers(self.sid, [
            (":method", "POST"), (":scheme", "https"), (":path", path),
            (":authority", authority), ("content-type", "application/grpc"),
            ("te", "trailers")])
        self._flush()
        self.buf = bytearray()
        self.headers: Dict[str, str] = {}
        self.trailers: Dict[str, str] = {}
        self.ended = False
        self.status: Optional[int] = None
        self.message = ""

    def _flush(self) -> None:
        d = self.h2.data_to_send()
        if d:
            self.t.send(d)

    def send_message(self, payload: bytes) -> None:
        data = b"\0" + struct.pack(">I", len(payload)) + payload
        while data:
            window = min(self.h2.local_flow_control_window(self.sid),
                         self.h2.max_outbound_frame_size)
            if window <= 0:
                self._pump()
                continue
            chunk, data = data[:window], data[window:]
            self.h2.send_data(self.sid, chunk)
            self._flush()

    def close_send(self) -> None:
        self.h2.end_stream(self.sid)
        self._flush()

    def _pump(self) -> bool:
        d = self.t.recv(65536)
        if not d:
            self.ended = True
            return False
        for ev in self.h2.receive_data(d):
            if isinstance(ev, h2.events.ResponseReceived):
                self.headers.update(dict(ev.headers))
                self._maybe_status(dict(ev.headers))  # trailers-only response
            elif isinstance(ev, h2.events.DataReceived):
                self.buf += ev.data
                self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                self.trailers.update(dict(ev.headers))
                self._maybe_status(dict(ev.headers))
            elif isinstance(ev, h2.events.StreamEnded):
                self.ended = True
            elif isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                self.ended = True
                if self.status is None:
                    self.status, self.message = 14, f"stream reset: {ev}"
        self._flush()
        return True

    def _maybe_status(self, hdrs: Dict[str, str]) -> None:
        if "grpc-status" in hdrs:
            self.status = int(hdrs["grpc-status"])
            self.message = urllib.parse.unquote(hdrs.get("grpc-message", ""))

    def recv_message(self) -> Optional[bytes]:
        """The next message, or None at the end of the stream (see .status)."""
        while True:
            if len(self.buf) >= 5:
                n = struct.unpack(">I", self.buf[1:5])[0]
                if len(self.buf) >= 5 + n:
                    msg = bytes(self.buf[5:5 + n])
                    del self.buf[:5 + n]
                    return msg
            if self.ended:
                return None
            if not self._pump():
                return None

    def close(self) -> None:
        self.t.close()


PROXY_SSH = "/teleport.transport.v1.TransportService/ProxySSH"
PROXY_CLUSTER = "/teleport.transport.v1.TransportService/ProxyCluster"


def tls_connect(host: str, port: int, cafile: Optional[str], certfile: Optional[str],
                keyfile: Optional[str], server_hostname: str,
                alpn: Optional[List[str]] = None, timeout: float = 15.0) -> SocketTransport:
    raw = socket.create_connection((host, port), timeout=timeout)
    ctx = client_ctx(cafile, certfile, keyfile, alpn if alpn is not None else ALPN_GRPC)
    try:
        return SocketTransport(ctx.wrap_socket(raw, server_hostname=server_hostname))
    except Exception:
        raw.close()
        raise

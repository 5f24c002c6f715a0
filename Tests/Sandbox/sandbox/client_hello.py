"""The TLS ClientHello, read without terminating TLS: its SNI and ALPN list, as Teleport's
ALPN router (lib/srv/alpnproxy/proxy.go) reads them to choose a route.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import List, Optional

MAX_HELLO = 64 * 1024  # handshake message bound; real ClientHellos are a few KiB
HELLO_TIMEOUT = 10.0


class HelloError(Exception):
    pass


@dataclass
class ClientHello:
    sni: str = ""
    alpn: List[str] = field(default_factory=list)


def parse_client_hello(buf: bytes) -> Optional[ClientHello]:
    """Parse a TLS ClientHello from the start of a stream.

    Returns None when more bytes are needed, raises HelloError on anything that is not
    a well-formed ClientHello. Handles a handshake message split over several records;
    bounded by MAX_HELLO."""
    hs = bytearray()
    off = 0
    need = None
    while True:
        if len(buf) - off < 5:
            return None
        ctype, major, length = buf[off], buf[off + 1], \
            struct.unpack(">H", buf[off + 3:off + 5])[0]
        if ctype != 22 or major != 3:
            raise HelloError("not a TLS handshake record")
        if length == 0 or length > 16384 + 2048:
            raise HelloError("bad record length")
        if len(buf) - off - 5 < length:
            return None
        hs += buf[off + 5:off + 5 + length]
        off += 5 + length
        if need is None and len(hs) >= 4:
            if hs[0] != 1:
                raise HelloError("first handshake message is not a ClientHello")
            need = 4 + int.from_bytes(hs[1:4], "big")
            if need > MAX_HELLO:
                raise HelloError("ClientHello too large")
        if need is not None and len(hs) >= need:
            return _parse_hello_body(bytes(hs[4:need]))
        if len(hs) > MAX_HELLO:
            raise HelloError("ClientHello too large")


def _parse_hello_body(b: bytes) -> ClientHello:
    class R:
        def __init__(self, data: bytes):
            self.d, self.o = data, 0

        def take(self, n: int) -> bytes:
            if n < 0 or self.o + n > len(self.d):
                raise HelloError("truncated ClientHello")
            v = self.d[self.o:self.o + n]
            self.o += n
            return v

        def u8(self) -> int:
            return self.take(1)[0]

        def u16(self) -> int:
            return struct.unpack(">H", self.take(2))[0]

        def left(self) -> int:
            return len(self.d) - self.o

    r = R(b)
    r.take(2 + 32)                  # legacy_version, random
    r.take(r.u8())                  # session id
    cs = r.u16()
    if cs % 2:
        raise HelloError("bad cipher suites")
    r.take(cs)
    r.take(r.u8())                  # compression methods
    hello = ClientHello()
    if r.left() == 0:
        return hello
    ext = R(r.take(r.u16()))
    if r.left():
        raise HelloError("trailing bytes after extensions")
    seen: Set[int] = set()
    while ext.left():
        etype = ext.u16()
        data = R(ext.take(ext.u16()))
        if etype in seen:
            raise HelloError("duplicate extension")
        seen.add(etype)
        if etype == 0:  # server_name
            lst = R(data.take(data.u16()))
            while lst.left():
                kind = lst.u8()
                name = lst.take(lst.u16())
                if kind == 0 and not hello.sni:
                    try:
                        hello.sni = name.decode("ascii")
                    except UnicodeDecodeError:
                        raise HelloError("bad server name")
        elif etype == 16:  # application_layer_protocol_negotiation
            lst = R(data.take(data.u16()))
            if lst.left() == 0:
                raise HelloError("empty ALPN list")
            while lst.left():
                n = lst.u8()
                if n == 0:
                    raise HelloError("empty ALPN protocol")
                hello.alpn.append(lst.take(n).decode("latin-1"))
    return hello


def read_hello(sock: socket.socket, timeout: float = HELLO_TIMEOUT) -> ClientHello:
    """Peek (MSG_PEEK) until a whole ClientHello is buffered, consuming nothing."""
    deadline = time.monotonic() + timeout
    size = 4096
    last = -1
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise HelloError("timeout reading ClientHello")
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        data = sock.recv(size, socket.MSG_PEEK)
        if not data:
            raise HelloError("EOF before ClientHello")
        hello = parse_client_hello(data)
        if hello is not None:
            return hello
        if len(data) >= size:
            if size >= MAX_HELLO + 4096:
                raise HelloError("ClientHello too large")
            size *= 2
        elif len(data) == last:
            time.sleep(0.005)  # nothing new yet: the peer has more to send
        last = len(data)


def peek_first_byte(sock: socket.socket, timeout: float) -> Optional[int]:
    """The first byte without consuming it; None on timeout or EOF."""
    r, _, _ = select.select([sock], [], [], timeout)
    if not r:
        return None
    data = sock.recv(1, socket.MSG_PEEK)
    return data[0] if data else None

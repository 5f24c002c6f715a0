"""The proxy's public TLS listeners: TLS detection on the SSH port, and the TLS-routing
port demultiplexed by the ClientHello's ALPN list.

Follows Teleport's lib/srv/alpnproxy/proxy.go (the ALPN router: it reads the ClientHello
without terminating TLS, takes the client's protocols in the client's order, and the first
one with a handler wins; an empty list counts as `http/1.1`) and
lib/srv/alpnproxy/common/protocols.go (protocol names). On the SSH port (v13+ proxies)
a connection whose first byte is a TLS handshake record goes to the TransportService;
anything else is SSH.

Everything here is blocking sockets and threads: one thread per connection (two for a
raw relay), so that large transfers are plain recv/sendall loops.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Set, Tuple

from .client_hello import (  # noqa: F401: parse_client_hello and HelloError are used by the tests
    HELLO_TIMEOUT, ClientHello, HelloError, parse_client_hello, peek_first_byte, read_hello)

log = logging.getLogger("sandbox.alpn")

# lib/srv/alpnproxy/common/protocols.go
PROTO_HTTP = "http/1.1"
PROTO_HTTP2 = "h2"
PROTO_SSH = "teleport-proxy-ssh"
PROTO_SSH_GRPC = "teleport-proxy-ssh-grpc"
PROTO_REVERSE_TUNNEL = "teleport-reversetunnel"
PROTO_AUTH_PREFIX = "teleport-auth@"
SNI_SUFFIX = ".teleport.cluster.local"

RELAY_CHUNK = 1 << 20
SSH_DETECT_WAIT = 0.3
TLS_ALERT_NO_APPLICATION_PROTOCOL = bytes([21, 3, 3, 0, 2, 2, 120])


# ------------------------------------------------------------------------ relays

def _close(*socks) -> None:
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def _pump_copy(src: socket.socket, dst: socket.socket) -> None:
    buf = bytearray(RELAY_CHUNK)
    view = memoryview(buf)
    while True:
        n = src.recv_into(buf)
        if n == 0:
            return
        dst.sendall(view[:n])


def _pump_splice(src: socket.socket, dst: socket.socket) -> bool:
    """Kernel-side copy through a pipe (splice(2)). False when splice is not usable
    here and nothing was moved (the caller copies instead)."""
    try:
        r, w = os.pipe2(os.O_CLOEXEC)
    except (AttributeError, OSError):
        return False
    try:
        try:
            fcntl.fcntl(w, 1031, RELAY_CHUNK)  # F_SETPIPE_SZ
        except OSError:
            pass
        moved = False
        while True:
            try:
                n = os.splice(src.fileno(), w, RELAY_CHUNK, flags=os.SPLICE_F_MOVE)
            except OSError as e:
                if not moved and e.errno in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                    return False
                raise
            if n == 0:
                return True
            moved = True
            while n:
                n -= os.splice(r, dst.fileno(), n, flags=os.SPLICE_F_MOVE)
    finally:
        os.close(r)
        os.close(w)


def raw_relay(a: socket.socket, b: socket.socket) -> None:
    """Bytes both ways between two plain sockets, half-close propagated; returns when
    both directions are done. Runs one direction in a helper thread."""

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            if not _pump_splice(src, dst):
                _pump_copy(src, dst)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=pump, args=(b, a), daemon=True, name="relay")
    t.start()
    pump(a, b)
    t.join()
    _close(a, b)


def connect_to(address: Tuple[str, object]) -> socket.socket:
    kind, addr = address
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(10)
    s.connect(addr)
    s.settimeout(None)
    return s


def ssl_relay(tls: ssl.SSLSocket, plain: socket.socket, idle: float = 3600.0) -> None:
    """Relay between a server-side SSLSocket (handshake done) and a plain socket in one
    thread (an SSL object is never used from two threads)."""
    tls.setblocking(False)
    plain.setblocking(False)
    to_plain = bytearray()
    to_tls = bytearray()
    tls_eof = plain_eof = False
    high = 4 * RELAY_CHUNK
    last = time.monotonic()
    try:
        while True:
            if tls_eof and not to_plain and not plain_eof:
                try:
                    plain.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            if (plain_eof and not to_tls) or (tls_eof and plain_eof):
                break
            rl, wl = [], []
            if not tls_eof and len(to_plain) < high:
                rl.append(tls)
            if not plain_eof and len(to_tls) < high:
                rl.append(plain)
            if to_plain:
                wl.append(plain)
            if to_tls:
                wl.append(tls)
            pending = tls in rl and tls.pending() > 0
            r, w, _ = select.select(rl, wl, [], 0 if pending else 1.0)
            if pending and tls not in r:
                r.append(tls)
            if not r and not w:
                if time.monotonic() - last > idle:
                    break
                continue
            last = time.monotonic()
            if tls in r:
                try:
                    # Drain what has arrived (until the socket would block), not just
                    # one record per select.
                    while len(to_plain) < high:
                        d = tls.recv(RELAY_CHUNK)
                        if not d:
                            tls_eof = True
                            break
                        to_plain += d
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
                except (ssl.SSLError, OSError):
                    tls_eof = True
            if plain in r:
                try:
                    d = plain.recv(RELAY_CHUNK)
                    if d:
                        to_tls += d
                    else:
                        plain_eof = True
                except BlockingIOError:
                    pass
                except OSError:
                    plain_eof = True
            if to_plain and (plain in w or plain in r or tls in r):
                try:
                    n = plain.send(to_plain)
                    del to_plain[:n]
                except BlockingIOError:
                    pass
                except OSError:
                    break
            if to_tls:
                try:
                    n = tls.send(to_tls[:256 * 1024])
                    del to_tls[:n]
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
                except (ssl.SSLError, OSError):
                    break
    finally:
        _close(tls, plain)


# ------------------------------------------------------------------------ router

@dataclass
class RouterConfig:
    """What the listeners route to. `grpc_address` None = no TransportService (an old
    proxy). `ssh_backend` is the SSH proxy's own (host, port)."""
    ssh_backend: Tuple[str, int]
    grpc_address: Optional[Tuple[str, object]]
    host_cert: Tuple[str, str]           # (cert path, key path): Teleport host TLS cert
    web_cert: Tuple[str, str]            # (cert path, key path): the public web cert
    auth_backend: Callable[[str], Optional[Tuple[str, int]]] = lambda cluster: None
    # The web API: a callable taking an accepted *plain* socket whose TLS it terminates.
    web_handler: Optional[Callable[[socket.socket, object], None]] = None


def _server_ctx(cert: Tuple[str, str], alpn: List[str]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert[0], cert[1])
    ctx.set_alpn_protocols(alpn)
    return ctx


class Listener:
    """One accepting thread; `handler(sock, addr)` runs in a thread per connection."""

    def __init__(self, name: str, handler: Callable[[socket.socket, object], None]):
        self.name = name
        self.handler = handler
        self.sock: Optional[socket.socket] = None
        self.port = 0
        self.conns: Set[socket.socket] = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.thread: Optional[threading.Thread] = None

    def start(self, port: int = 0) -> int:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(256)
        self.sock = s
        self.port = s.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True, name=self.name)
        self.thread.start()
        return self.port

    def _accept(self) -> None:
        while not self.stopping:
            try:
                c, addr = self.sock.accept()
            except OSError:
                if self.stopping:
                    return
                time.sleep(0.05)
                continue
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.conns.add(c)
            threading.Thread(target=self._run, args=(c, addr), daemon=True,
                             name=f"{self.name}-conn").start()

    def _run(self, c: socket.socket, addr) -> None:
        try:
            self.handler(c, addr)
        except Exception:  # noqa: BLE001
            log.exception("%s: connection handler failed", self.name)
            _close(c)
        finally:
            with self.lock:
                self.conns.discard(c)

    def stop(self) -> None:
        self.stopping = True
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            _close(self.sock)
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ALPNRouter:
    def __init__(self, cfg: RouterConfig):
        self.cfg = cfg
        self.ssh_ctx_host = _server_ctx(cfg.host_cert, [PROTO_SSH])
        self.ssh_ctx_web = _server_ctx(cfg.web_cert, [PROTO_SSH])
        self.rt_ctx_host = _server_ctx(cfg.host_cert, [PROTO_REVERSE_TUNNEL])
        self.rt_ctx_web = _server_ctx(cfg.web_cert, [PROTO_REVERSE_TUNNEL])

    # --------------------------------------------------------------- SSH port

    def handle_ssh_port(self, sock: socket.socket, addr) -> None:
        """The SSH port: TLS (first byte 0x16) -> TransportService; else SSH.

        A client that sends nothing first (SSH lets the server speak first, as
        ssh-keyscan waits for the banner) is taken for SSH after SSH_DETECT_WAIT."""
        try:
            first = peek_first_byte(sock, SSH_DETECT_WAIT)
        except OSError:
            _close(sock)
            return
        if first == 0x16:
            if self.cfg.grpc_address is None:
                _close(sock)  # an old proxy: no TLS on the SSH port
                return
            self._raw_to(sock, self.cfg.grpc_address)
            return
        self._raw_to(sock, ("tcp", self.cfg.ssh_backend))

    # --------------------------------------------------------------- TLS routing port

    def route(self, hello: ClientHello) -> Optional[str]:
        protos = hello.alpn or [PROTO_HTTP]
        for p in protos:
            if p == PROTO_HTTP:
                return "web"
            if p == PROTO_SSH_GRPC and self.cfg.grpc_address is not None:
                return "grpc"
            if p == PROTO_SSH:
                return "ssh"
            if p.startswith(PROTO_AUTH_PREFIX):
                return "auth"
            if p == PROTO_REVERSE_TUNNEL:
                return "reversetunnel"
        return None

    def handle_tls_port(self, sock: socket.socket, addr) -> None:
        try:
            hello = read_hello(sock)
        except (HelloError, OSError) as e:
            log.info("tls port: closing: %s", e)
            _close(sock)
            return
        kind = self.route(hello)
        log.info("tls port: sni=%r alpn=%r -> %s", hello.sni, hello.alpn, kind)
        if kind is None:
            if self.cfg.grpc_address is None and any(
                    p in (PROTO_SSH_GRPC, PROTO_HTTP2) for p in hello.alpn):
                # An old proxy offered only the gRPC transport's protocols: the TLS
                # handshake fails with no_application_protocol.
                try:
                    sock.sendall(TLS_ALERT_NO_APPLICATION_PROTOCOL)
                except OSError:
                    pass
            _close(sock)
            return
        if kind == "web":
            if self.cfg.web_handler is None:
                _close(sock)
            else:
                self.cfg.web_handler(sock, addr)
        elif kind == "grpc":
            self._raw_to(sock, self.cfg.grpc_address)
        elif kind == "auth":
            cluster_hex = hello.alpn[0][len(PROTO_AUTH_PREFIX):] if hello.alpn else ""
            backend = self.cfg.auth_backend(_cluster_from_auth_alpn(hello.alpn))
            if backend is None:
                log.info("no auth backend for %s", cluster_hex)
                _close(sock)
            else:
                self._raw_to(sock, ("tcp", backend))
        elif kind == "ssh":
            self._terminate_ssh(sock, hello)
        elif kind == "reversetunnel":
            self._reverse_tunnel(sock, hello)

    def _raw_to(self, sock: socket.socket, address) -> None:
        try:
            up = connect_to(address)
        except OSError as e:
            log.info("backend %s unreachable: %s", address, e)
            _close(sock)
            return
        raw_relay(sock, up)

    def _ctx_for(self, hello: ClientHello, host_ctx, web_ctx):
        return host_ctx if hello.sni.endswith(SNI_SUFFIX) else web_ctx

    def _terminate_ssh(self, sock: socket.socket, hello: ClientHello) -> None:
        ctx = self._ctx_for(hello, self.ssh_ctx_host, self.ssh_ctx_web)
        try:
            sock.settimeout(HELLO_TIMEOUT)
            tls = ctx.wrap_socket(sock, server_side=True)
            tls.settimeout(None)
        except (ssl.SSLError, OSError) as e:
            log.info("teleport-proxy-ssh handshake failed: %s", e)
            _close(sock)
            return
        try:
            up = connect_to(("tcp", self.cfg.ssh_backend))
        except OSError:
            _close(tls)
            return
        ssl_relay(tls, up)

    def _reverse_tunnel(self, sock: socket.socket, hello: ClientHello) -> None:
        """Negotiated (so that a client's upgrade detection sees an answer), then closed:
        the sandbox has no reverse tunnel server."""
        ctx = self._ctx_for(hello, self.rt_ctx_host, self.rt_ctx_web)
        try:
            sock.settimeout(HELLO_TIMEOUT)
            tls = ctx.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError):
            _close(sock)
            return
        try:
            tls.unwrap()
        except (ssl.SSLError, OSError):
            pass
        _close(tls, sock)


def _cluster_from_auth_alpn(alpn: List[str]) -> str:
    """`teleport-auth@<hex(cluster)>.teleport.cluster.local` -> cluster name."""
    for p in alpn:
        if p.startswith(PROTO_AUTH_PREFIX):
            rest = p[len(PROTO_AUTH_PREFIX):]
            if rest.endswith(SNI_SUFFIX):
                rest = rest[:-len(SNI_SUFFIX)]
            try:
                return bytes.fromhex(rest).decode("utf-8")
            except ValueError:
                return ""
    return ""


def web_handler_for(server) -> Callable[[socket.socket, object], None]:
    """Hand a raw accepted socket to the web API's HTTPS server (http.server with a
    TLS context on its listening socket): its TLS is terminated there."""
    ctx = server.socket.context

    def handle(sock: socket.socket, addr) -> None:
        tls = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        try:
            server.finish_request(tls, addr)
        except Exception:  # noqa: BLE001
            pass
        finally:
            server.shutdown_request(tls)

    return handle


def socketpair_for_inner() -> Tuple[socket.socket, socket.socket]:
    """An in-process stream for a connection that arrived inside another (the WebSocket
    upgrade): (outer end, router end)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


__all__ = ["ALPNRouter", "RouterConfig", "Listener", "parse_client_hello", "HelloError",
           "ClientHello", "read_hello", "web_handler_for", "socketpair_for_inner",
           "TLS_ALERT_NO_APPLICATION_PROTOCOL"]

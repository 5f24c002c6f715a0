"""The SSH proxy (teleport-reference.md section 4), on asyncssh.

Behaviour follows lib/srv/regular/proxy.go, lib/srv/regular/sites.go,
lib/proxy/router.go and api/utils/route.go of gravitational/teleport (v15-v17).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import ipaddress
import json
import logging
import socket
import uuid as _uuid
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import asyncssh

from . import crypto
from .material import LEAF_CLUSTER, ROOT_CLUSTER, Material, Node

log = logging.getLogger("sandbox.proxy")


def _decode_string_ext(packet) -> str:
    return packet.get_string().decode("utf-8", errors="replace")


# asyncssh drops unknown certificate extensions; teach it Teleport's so that
# get_certificate_option() can read them (e.g. teleport-route-to-cluster).
for _name in (b"teleport-route-to-cluster", b"teleport-roles", b"teleport-traits",
              b"private-key-policy"):
    asyncssh.public_key.SSHOpenSSHCertificateV01._user_extension_decoders[_name] = \
        _decode_string_ext  # noqa: SLF001

# Relay buffering: pause the source when this much is queued on the sink.
HIGH_WATER = 1 << 20
CLUSTERS = [ROOT_CLUSTER, LEAF_CLUSTER]

MSG_NOT_IN_INVENTORY = "direct dialing to nodes not found in inventory is not supported"
# trace.Wrap(ErrNodeIsAmbiguous, NodeIsAmbiguous) rendered by trace.UserMessage (approx).
MSG_AMBIGUOUS = "err-node-is-ambiguous\n\tambiguous host could match multiple nodes"


class ProxyError(Exception):
    pass


@dataclass
class SubsysRequest:
    host: str
    port: str
    cluster: str
    namespace: str = "default"


def _split_host_port(s: str) -> Tuple[str, str]:
    """Go's net.SplitHostPort followed by Teleport's empty-host check."""
    if s.startswith("["):
        end = s.find("]")
        if end < 0 or not s[end + 1:].startswith(":"):
            raise ValueError("bad address")
        host, port = s[1:end], s[end + 2:]
    else:
        if s.count(":") != 1:
            raise ValueError("missing port in address" if ":" not in s else "too many colons")
        host, port = s.split(":")
    if host == "":
        raise ValueError("empty hostname")
    return host, port


def parse_proxy_subsystem(request: str) -> SubsysRequest:
    param_message = (f"invalid format for proxy request: {json.dumps(request)}, "
                     f"expected 'proxy:host:port@cluster'")
    prefix = "proxy:"
    if not request.startswith(prefix):
        raise ProxyError(param_message)
    parts = request[len(prefix):].split("@")
    host = port = cluster = ""
    namespace = "default"
    try:
        if len(parts) == 1:
            # teleport-reference §4 lists `proxy:host` (no port) among the
            # accepted forms; the reference is the sandbox's spec.
            if ":" not in parts[0] and parts[0]:
                host, port = parts[0], ""
            else:
                host, port = _split_host_port(parts[0])
        elif len(parts) == 2:
            if parts[0] != "":
                host, port = _split_host_port(parts[0])
            cluster = parts[1]
            if cluster == "" and host == "":
                raise ProxyError("invalid format for proxy request: missing cluster name or "
                                 f"target host in {json.dumps(request)}")
        else:
            cluster = "@".join(parts[2:])
            namespace = parts[1]
            host, port = _split_host_port(parts[0])
    except ValueError:
        raise ProxyError(param_message)
    return SubsysRequest(host, port, cluster, namespace)


def _is_uuid(s: str) -> bool:
    try:
        _uuid.UUID(s)
        return True
    except ValueError:
        return False


class Router:
    def __init__(self, nodes: List[Node], strict_node_ports: bool = False):
        self.nodes = nodes
        self.strict_node_ports = strict_node_ports

    async def _resolve(self, host: str) -> List[str]:
        try:
            ipaddress.ip_address(host)
            return [host]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout=2)
        except (OSError, asyncio.TimeoutError):
            return []
        return sorted({i[4][0] for i in infos})

    def _score(self, node: Node, host: str, port: str, by_id: bool, ips: List[str]) -> int:
        if by_id and node.uuid == host:
            return 2
        hostname_match = node.name == host
        if hostname_match and not self.strict_node_ports:
            # Sandbox default: a name match ignores the requested port, like a
            # tunnel-connected node in real Teleport. See README "Deviations".
            return 2
        ip, nport = node.addr.rsplit(":", 1)
        if port not in ("", "0") and port != nport:
            return 0
        if hostname_match or host == ip:
            return 2
        if ip in ips:
            return 1
        return 0

    async def route(self, host: str, port: str, cluster: str) -> Node:
        by_id = _is_uuid(host)
        ips = await self._resolve(host)
        scores: Dict[str, int] = {}
        matches = []
        for n in self.nodes:
            if n.cluster != cluster:
                continue
            s = self._score(n, host, port, by_id, ips)
            if s > 0:
                matches.append(n)
                scores[n.uuid] = s
        if by_id and len(matches) > 1:
            exact = [m for m in matches if m.uuid == host]
            if exact:
                matches = exact[:1]
        if len(matches) > 1:
            best = max(scores[m.uuid] for m in matches)
            matches = [m for m in matches if scores[m.uuid] == best]
        if len(matches) > 1:
            raise ProxyError(MSG_AMBIGUOUS)
        if by_id and not matches:
            raise ProxyError(f"unable to locate node matching UUID-like target {host}")
        if not matches:
            raise ProxyError(MSG_NOT_IN_INVENTORY)
        return matches[0]


def sites_json(started: _dt.datetime) -> bytes:
    ts = started.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps([{"name": c, "lastconnected": ts, "status": "online"} for c in CLUSTERS],
                      separators=(",", ":")).encode()


class _NodeProtocol(asyncio.Protocol):
    """TCP side of a relay: node sshd -> SSH channel."""

    def __init__(self, session: "ProxySession"):
        self.session = session
        self.transport: Optional[asyncio.Transport] = None
        self._drain_waiters: List[asyncio.Future] = []
        self._paused = False

    def connection_made(self, transport):  # type: ignore[override]
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        chan = self.session.chan
        if chan is None or chan.is_closing():
            return
        chan.write(data)
        if chan.get_write_buffer_size() > HIGH_WATER and self.transport:
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        chan = self.session.chan
        if chan is not None and not chan.is_closing():
            chan.write_eof()
        self.session.node_eof = True
        self.session.maybe_close()
        return True

    def connection_lost(self, exc) -> None:
        self.session.node_closed = True
        self.session.node_eof = True
        chan = self.session.chan
        if chan is not None and not chan.is_closing():
            chan.close()

    def pause_writing(self) -> None:
        # TCP send buffer to the node is full: stop reading the channel.
        if self.session.chan is not None:
            self.session.chan.pause_reading()

    def resume_writing(self) -> None:
        if self.session.chan is not None:
            self.session.chan.resume_reading()


class ProxySession(asyncssh.SSHServerSession):
    def __init__(self, server: "ProxyServer"):
        self.server = server
        self.chan: Optional[asyncssh.SSHServerChannel] = None
        self.node_transport: Optional[asyncio.Transport] = None
        self.kind = ""
        self.node_eof = False
        self.node_closed = False
        self.client_eof = False

    def connection_made(self, chan):  # type: ignore[override]
        self.chan = chan

    def shell_requested(self) -> bool:
        return False

    def exec_requested(self, command: str) -> bool:
        return False

    def pty_requested(self, *args) -> bool:
        return False

    def subsystem_requested(self, subsystem: str):
        if subsystem == "proxysites":
            self.kind = "sites"
            return True
        if subsystem.startswith("proxy:"):
            # Reply later, once routing and dialing are done (as Teleport does).
            asyncio.get_running_loop().create_task(self._start_proxy(subsystem))
            return None
        # Teleport: trace.BadParameter("unrecognized subsystem: %v")
        self._refuse(f"unrecognized subsystem: {subsystem}")
        return None

    def _refuse(self, message: str) -> None:
        """Write the message on stderr, then refuse the request, then close."""
        chan = self.chan
        log.info("refusing subsystem: %s", message)
        try:
            chan.write_stderr((message + "\n").encode())
        except Exception:  # noqa: BLE001
            log.exception("writing stderr failed")
        try:
            chan._report_response(False)  # noqa: SLF001  (asyncssh: deferred request reply)
            chan.close()
        except Exception:  # noqa: BLE001
            log.exception("refuse failed")

    async def _start_proxy(self, subsystem: str) -> None:
        chan = self.chan
        try:
            req = parse_proxy_subsystem(subsystem)
            cluster = req.cluster
            if cluster == "":
                cluster = self.server.route_to_cluster or ROOT_CLUSTER
            if cluster not in CLUSTERS:
                raise ProxyError(f"invalid format for proxy request: unknown cluster "
                                 f"{json.dumps(cluster)}")
            if req.host == "":
                raise ProxyError(f"connecting to the auth server of cluster {json.dumps(cluster)} "
                                 f"is not supported by the sandbox")
            node = await self.server.router.route(req.host, req.port, cluster)
            loop = asyncio.get_running_loop()
            try:
                transport, proto = await asyncio.wait_for(loop.create_connection(
                    lambda: _NodeProtocol(self), "127.0.0.1", node.port), timeout=10)
            except (OSError, asyncio.TimeoutError) as e:
                raise ProxyError(f"failed to connect to node {node.name}: {e}")
            self.node_transport = transport
            self.kind = "proxy"
            log.info("proxy %s -> %s (%s)", subsystem, node.name, node.addr)
            chan._report_response(True)
        except ProxyError as e:
            self._refuse(str(e))
        except Exception as e:  # noqa: BLE001
            log.exception("proxy subsystem failed")
            self._refuse(str(e))

    def session_started(self) -> None:
        if self.kind == "sites":
            self.chan.write(sites_json(self.server.started))
            self.chan.close()

    def data_received(self, data, datatype) -> None:
        t = self.node_transport
        if t is None or t.is_closing():
            return
        t.write(data)

    def eof_received(self) -> bool:
        self.client_eof = True
        t = self.node_transport
        if t is not None and not t.is_closing() and t.can_write_eof():
            t.write_eof()
        self.maybe_close()
        return True

    def maybe_close(self) -> None:
        if self.client_eof and self.node_eof and self.chan is not None:
            self.chan.close()

    def pause_writing(self) -> None:
        # Channel send window exhausted: stop reading from the node.
        if self.node_transport is not None:
            self.node_transport.pause_reading()

    def resume_writing(self) -> None:
        if self.node_transport is not None and not self.node_transport.is_closing():
            self.node_transport.resume_reading()

    def connection_lost(self, exc) -> None:
        if self.node_transport is not None:
            self.node_transport.close()


class ProxyServer(asyncssh.SSHServer):
    def __init__(self, ctx: "ProxyContext"):
        self.ctx = ctx
        self.router = ctx.router
        self.started = ctx.started
        self.route_to_cluster = ""
        self.conn: Optional[asyncssh.SSHServerConnection] = None

    def connection_made(self, conn):  # type: ignore[override]
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def auth_completed(self) -> None:
        route = self.conn.get_certificate_option("teleport-route-to-cluster") if self.conn else None
        self.route_to_cluster = route or ""

    def session_requested(self):
        return ProxySession(self)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str,
                             orig_port: int):
        # ProxyJump (ssh -J): Teleport routes direct-tcpip like proxy:host:port.
        return self._direct(dest_host, dest_port)

    async def _direct(self, host: str, port: int):
        cluster = self.route_to_cluster or ROOT_CLUSTER
        try:
            node = await self.router.route(host, str(port), cluster)
        except ProxyError as e:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED, str(e))
        return await self.conn.forward_connection("127.0.0.1", node.port)


class ProxyContext:
    def __init__(self, material: Material, router: Router, host_key_mode: str,
                 hostile: Optional[str] = None):
        self.m = material
        self.router = router
        self.host_key_mode = host_key_mode
        self.hostile = hostile
        self.started = _dt.datetime.now(_dt.timezone.utc)
        self.server = None
        self.port = 0

    async def start(self) -> int:
        key, cert_line, principals, key_path, cert_path = \
            self.m.issue_proxy_host_key(self.hostile)
        akey = asyncssh.import_private_key(crypto.ssh_private_pem(key))
        if self.host_key_mode == "plain":
            host_keys = [akey]
            algs = crypto.plain_host_key_algs_for(self.m.ssh_kind)
        else:
            acert = asyncssh.import_certificate(cert_line)
            host_keys = [(akey, acert)]
            algs = crypto.host_key_algs_for(self.m.ssh_kind)
        authorized = asyncssh.import_authorized_keys(f"cert-authority {self.m.user_ca_pub}\n")
        options = asyncssh.SSHServerConnectionOptions(
            server_host_keys=host_keys, authorized_client_keys=authorized,
            password_auth=False, kbdint_auth=False, gss_host=None,
            agent_forwarding=False, x11_forwarding=False, allow_scp=False,
            server_version="Teleport", login_timeout=60, keepalive_interval=0,
            encoding=None)
        # Offer exactly the wanted host key algorithms (asyncssh would offer the
        # plain key algorithms next to the certificate ones).
        wanted = [a.encode() for a in algs]
        for alg in list(options.server_host_keys):
            if alg not in wanted:
                del options.server_host_keys[alg]
        if not options.server_host_keys:
            raise RuntimeError(f"no host key for algorithms {algs}")
        self.server = await asyncssh.create_server(
            lambda: ProxyServer(self), "127.0.0.1", 0, options=options)
        self.port = self.server.sockets[0].getsockname()[1]
        self.principals = principals
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

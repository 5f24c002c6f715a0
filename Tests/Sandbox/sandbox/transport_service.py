"""gRPC `teleport.transport.v1.TransportService` (ProxySSH, ProxyCluster) on grpc.aio.

Behaviour follows Teleport's lib/srv/transport/transportv1/transport.go (the service),
lib/proxy/router.go (DialHost, DialSite) and gravitational/trace's trail.ToGRPC (error
kinds to gRPC codes: NotFound -> NOT_FOUND, BadParameter -> INVALID_ARGUMENT,
AccessDenied -> PERMISSION_DENIED, ConnectionProblem -> UNAVAILABLE, NotImplemented ->
UNIMPLEMENTED, anything else -> UNKNOWN). Messages are trace.UserMessage renderings:
wrapped messages first, then one tab per level of nesting.

The server listens on a private socket with TLS: the proxy's Teleport host certificate,
and a client certificate signed by the user TLS CA is required (mutual TLS). The public
ports (the SSH port with TLS detected, the TLS-routing port) hand raw TCP streams to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Dict, Optional, Tuple

import grpc

from .material import LEAF_CLUSTER, ROOT_CLUSTER
from .proto import transport_pb2 as pb
from .proto import transport_pb2_grpc as pb_grpc
from .proxy import MSG_AMBIGUOUS, MSG_NOT_IN_INVENTORY, ProxyError, Router

log = logging.getLogger("sandbox.transport")

CLUSTERS = (ROOT_CLUSTER, LEAF_CLUSTER)
# Read up to this much from the node before awaiting the stream write.
READ_CHUNK = 1 << 20
DIAL_TIMEOUT = 10.0
MAX_MESSAGE = 8 << 20

DIAL_HOST_WRAP = "failed to dial target host"


class AuthBackends:
    """Where ProxyCluster and the `teleport-auth@` ALPN route reach a cluster's auth
    server: (host, port) per cluster, set by the supervisor; none means unsupported."""

    def __init__(self) -> None:
        self._by_cluster: Dict[str, Tuple[str, int]] = {}

    def set(self, cluster: str, host: str, port: int) -> None:
        self._by_cluster[cluster] = (host, int(port))

    def clear(self, cluster: str) -> None:
        self._by_cluster.pop(cluster, None)

    def get(self, cluster: str) -> Optional[Tuple[str, int]]:
        return self._by_cluster.get(cluster)


def _split_host_port(s: str) -> Tuple[str, str]:
    """Go's net.SplitHostPort (empty host and port allowed, as Go does)."""
    if s.startswith("["):
        end = s.find("]")
        if end < 0 or not s[end + 1:].startswith(":") or ":" in s[end + 2:]:
            raise ValueError(s)
        return s[1:end], s[end + 2:]
    if s.count(":") != 1:
        raise ValueError(s)
    host, port = s.split(":")
    return host, port


def _wrap(*messages: str) -> str:
    """trace.UserMessage of an error wrapped with messages (outermost first)."""
    out = messages[0]
    for depth, m in enumerate(messages[1:], start=1):
        out += "\n" + "\t" * depth + m
    return out


class TransportService(pb_grpc.TransportServiceServicer):
    def __init__(self, router: Router, auth: AuthBackends, fips: bool = False):
        self.router = router
        self.auth = auth
        self.fips = fips

    # ------------------------------------------------------------------ identity

    @staticmethod
    def _identity(context) -> str:
        """The caller's user name, from its verified client certificate (CN)."""
        info = context.auth_context() or {}
        cn = info.get("x509_common_name") or []
        if not cn:
            return ""
        v = cn[0]
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)

    # ------------------------------------------------------------------ ProxySSH

    async def ProxySSH(self, request_iterator, context):  # noqa: N802
        user = self._identity(context)
        if not user:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "client is not authenticated")
        first = await context.read()
        if first is grpc.aio.EOF:
            await context.abort(grpc.StatusCode.UNKNOWN, _wrap("failed receiving first frame",
                                                                "EOF"))
        if not first.HasField("dial_target"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                "first frame must contain a dial target")
        target = first.dial_target
        try:
            host, port = _split_host_port(target.host_port)
        except ValueError:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                "dial target contains an invalid hostport")
        cluster = target.cluster
        if cluster != ROOT_CLUSTER and cluster not in CLUSTERS:
            # Router.getRemoteCluster: utils.OpaqueAccessDenied turns the lookup
            # failure into trace.NotFound("not found"), wrapped twice.
            await context.abort(grpc.StatusCode.NOT_FOUND, _wrap(
                DIAL_HOST_WRAP, f"looking up remote cluster {json.dumps(cluster)}", "not found"))
        try:
            node = await self.router.route(host, port, cluster)
        except ProxyError as e:
            msg = str(e)
            if msg == MSG_AMBIGUOUS:
                # transport.go returns ErrNodeIsAmbiguous unadorned (a NotFound).
                await context.abort(grpc.StatusCode.NOT_FOUND, msg)
            if msg == MSG_NOT_IN_INVENTORY:
                # trace.ConnectionProblem in lib/proxy/router.go
                await context.abort(grpc.StatusCode.UNAVAILABLE, _wrap(DIAL_HOST_WRAP, msg))
            # "unable to locate node matching UUID-like target": trace.NotFound
            await context.abort(grpc.StatusCode.NOT_FOUND, _wrap(DIAL_HOST_WRAP, msg))
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", node.port, limit=READ_CHUNK), DIAL_TIMEOUT)
        except (OSError, asyncio.TimeoutError) as e:
            await context.abort(grpc.StatusCode.UNAVAILABLE,
                                _wrap(DIAL_HOST_WRAP, f"connection refused: {e}"))
        log.info("ProxySSH %s as %s (login %s) -> %s (%s)", target.host_port, user,
                 target.login_name, node.name, node.addr)
        try:
            await context.write(pb.ProxySSHResponse(
                details=pb.ClusterDetails(fips_enabled=self.fips)))
            await self._relay(context, reader, writer,
                              lambda req: req.ssh.payload if req.WhichOneof("frame") == "ssh"
                              else None,
                              lambda data: pb.ProxySSHResponse(ssh=pb.Frame(payload=data)))
        finally:
            writer.close()

    # ------------------------------------------------------------------ ProxyCluster

    async def ProxyCluster(self, request_iterator, context):  # noqa: N802
        user = self._identity(context)
        if not user:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "client is not authenticated")
        first = await context.read()
        if first is grpc.aio.EOF:
            await context.abort(grpc.StatusCode.UNKNOWN, _wrap("failed receiving first frame",
                                                                "EOF"))
        cluster = first.cluster or ROOT_CLUSTER
        wrap = f"failed dialing cluster {json.dumps(first.cluster)}"
        if cluster not in CLUSTERS:
            # Router.DialSite: the cluster lookup's NotFound (approx. text).
            await context.abort(grpc.StatusCode.NOT_FOUND,
                                _wrap(wrap, f"cluster {json.dumps(cluster)} is not found"))
        backend = self.auth.get(cluster)
        if backend is None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                                f"connecting to the auth server of cluster {json.dumps(cluster)} "
                                f"is not supported by the sandbox")
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                backend[0], backend[1], limit=READ_CHUNK), DIAL_TIMEOUT)
        except (OSError, asyncio.TimeoutError) as e:
            await context.abort(grpc.StatusCode.UNAVAILABLE, _wrap(wrap, str(e)))
        log.info("ProxyCluster %s as %s -> %s:%d", cluster, user, *backend)
        try:
            if first.HasField("frame") and first.frame.payload:
                writer.write(first.frame.payload)
                await writer.drain()
            await self._relay(context, reader, writer,
                              lambda req: req.frame.payload if req.HasField("frame") else None,
                              lambda data: pb.ProxyClusterResponse(frame=pb.Frame(payload=data)))
        finally:
            writer.close()

    # ------------------------------------------------------------------ relay

    @staticmethod
    async def _relay(context, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     payload_of, response_for) -> None:
        """Frames both ways with backpressure. End of the request stream -> write_eof
        to the backend; backend EOF -> the handler returns (status OK)."""

        async def upstream() -> None:
            while True:
                req = await context.read()
                if req is grpc.aio.EOF:
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()
                    return
                data = payload_of(req)
                if data:
                    writer.write(data)
                    await writer.drain()

        up = asyncio.get_running_loop().create_task(upstream())
        try:
            while True:
                data = await reader.read(READ_CHUNK)
                if not data:
                    break
                await context.write(response_for(data))
        except (ConnectionError, OSError):
            pass
        finally:
            if not up.done():
                up.cancel()
            try:
                await up
            except (asyncio.CancelledError, ConnectionError, OSError):
                pass
            except Exception:  # noqa: BLE001
                log.debug("upstream ended", exc_info=True)


class TransportServer:
    """The grpc.aio server on a private socket (unix, or loopback TCP when the path
    would be too long)."""

    def __init__(self, service: TransportService, state_dir: str, key_path: str,
                 cert_path: str, client_ca_path: str):
        self.service = service
        self.state_dir = state_dir
        self.key_path = key_path
        self.cert_path = cert_path
        self.client_ca_path = client_ca_path
        self.server: Optional[grpc.aio.Server] = None
        # (family, address) for socket.connect
        self.address: Optional[Tuple[str, object]] = None

    async def start(self) -> None:
        with open(self.key_path, "rb") as f:
            key = f.read()
        with open(self.cert_path, "rb") as f:
            cert = f.read()
        with open(self.client_ca_path, "rb") as f:
            ca = f.read()
        creds = grpc.ssl_server_credentials([(key, cert)], root_certificates=ca,
                                            require_client_auth=True)
        self.server = grpc.aio.server(options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE),
            ("grpc.so_reuseport", 0),
        ])
        pb_grpc.add_TransportServiceServicer_to_server(self.service, self.server)
        path = os.path.join(self.state_dir, "transport.sock")
        if len(path) < 100:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            self.server.add_secure_port(f"unix:{path}", creds)
            self.address = ("unix", path)
        else:
            port = self.server.add_secure_port("127.0.0.1:0", creds)
            self.address = ("tcp", ("127.0.0.1", port))
        await self.server.start()
        log.info("TransportService on %s", self.address)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(grace=0)

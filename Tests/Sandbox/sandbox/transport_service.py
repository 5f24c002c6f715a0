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
# The largest payload of one frame sent to the client: Teleport's
# api/utils/grpc/stream.ReadWriter.Write cuts every write into messages of at
# most MaxChunkSize (16 KiB), for ProxySSH and ProxyCluster alike.
MAX_CHUNK = 16 << 10
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


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def frame_response(field: int, data) -> bytes:
    """The wire encoding of a response whose only field `field` is Frame{payload: data}
    (ProxySSHResponse.ssh = 2, ProxyClusterResponse.frame = 1). `data` is bytes or a
    list of chunks: built in one copy, without message objects."""
    chunks = data if isinstance(data, list) else [data]
    n = sum(len(c) for c in chunks)
    inner_head = b"\x0a" + _varint(n)
    head = bytes([(field << 3) | 2]) + _varint(len(inner_head) + n) + inner_head
    return b"".join([head, *chunks])


def _read_varint(b: bytes, off: int) -> Tuple[int, int]:
    n = shift = 0
    while True:
        if off >= len(b) or shift > 63:
            raise ValueError("bad varint")
        c = b[off]
        off += 1
        n |= (c & 0x7F) << shift
        if not c & 0x80:
            return n, off
        shift += 7


class RawFrame:
    """A request that is exactly one Frame in field `field` (`ssh` = 2 of
    ProxySSHRequest, `frame` = 2 of ProxyClusterRequest), its payload a zero-copy view."""
    __slots__ = ("field", "payload")

    def __init__(self, field: int, payload: memoryview):
        self.field = field
        self.payload = payload


def _fast_frame(raw: bytes) -> Optional[RawFrame]:
    """The canonical encoding `<field 2, LEN>{<field 1, LEN> payload}` without a copy;
    None for anything else (then protobuf parses it)."""
    try:
        if not raw or raw[0] != 0x12:
            return None
        ln, off = _read_varint(raw, 1)
        if off + ln != len(raw) or ln == 0 or raw[off] != 0x0A:
            return None
        n, off2 = _read_varint(raw, off + 1)
        if off2 + n != len(raw):
            return None
        return RawFrame(2, memoryview(raw)[off2:])
    except ValueError:
        return None


def _deserialize_ssh(raw: bytes):
    return _fast_frame(raw) or pb.ProxySSHRequest.FromString(raw)


def _deserialize_cluster(raw: bytes):
    return _fast_frame(raw) or pb.ProxyClusterRequest.FromString(raw)


def _ssh_payload(req):
    if isinstance(req, RawFrame):
        return req.payload
    return req.ssh.payload if req.WhichOneof("frame") == "ssh" else None


def _cluster_payload(req):
    if isinstance(req, RawFrame):
        return req.payload
    return req.frame.payload if req.HasField("frame") else None


def _serialize(msg) -> bytes:
    return msg if isinstance(msg, bytes) else msg.SerializeToString()


def _wrap(*messages: str) -> str:
    """trace.UserMessage of an error wrapped with messages (outermost first)."""
    out = messages[0]
    for depth, m in enumerate(messages[1:], start=1):
        out += "\n" + "\t" * depth + m
    return out


class BackendPipe(asyncio.Protocol):
    """TCP to the node (or auth server) for the relay. Received chunks are kept as they
    arrive (no copy) and taken all at once; reading pauses above HIGH_WATER bytes until
    they are taken (backpressure to the node). Writes wait while the send buffer is
    above HIGH_WATER."""

    HIGH_WATER = READ_CHUNK

    def __init__(self) -> None:
        self.transport: Optional[asyncio.Transport] = None
        self.chunks: list = []
        self.size = 0
        self.eof = False
        self.paused = False
        self._read_waiter: Optional[asyncio.Future] = None
        self._write_waiter: Optional[asyncio.Future] = None
        self._write_paused = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def _wake_reader(self) -> None:
        w, self._read_waiter = self._read_waiter, None
        if w is not None and not w.done():
            w.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size >= self.HIGH_WATER and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return True  # keep our sending side open: the client may still write

    def connection_lost(self, exc) -> None:
        self.eof = True
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        w, self._write_waiter = self._write_waiter, None
        if w is not None and not w.done():
            w.set_result(None)

    async def take(self) -> Optional[list]:
        """Everything received so far (a list of chunks), or None at EOF."""
        while not self.chunks and not self.eof:
            self._read_waiter = asyncio.get_running_loop().create_future()
            await self._read_waiter
        if not self.chunks:
            return None
        out, self.chunks, self.size = self.chunks, [], 0
        if self.paused and not self.transport.is_closing():
            self.paused = False
            self.transport.resume_reading()
        return out

    async def write(self, data: bytes) -> None:
        if self.transport.is_closing():
            raise ConnectionResetError("backend closed")
        self.transport.write(data)
        while self._write_paused and not self.transport.is_closing():
            self._write_waiter = asyncio.get_running_loop().create_future()
            await self._write_waiter

    def write_eof(self) -> None:
        if not self.transport.is_closing() and self.transport.can_write_eof():
            self.transport.write_eof()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _dial(host: str, port: int) -> BackendPipe:
    loop = asyncio.get_running_loop()
    _, pipe = await asyncio.wait_for(loop.create_connection(BackendPipe, host, port),
                                     DIAL_TIMEOUT)
    pipe.transport.set_write_buffer_limits(high=BackendPipe.HIGH_WATER)
    return pipe


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
        if isinstance(first, RawFrame) or not first.HasField("dial_target"):
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
            pipe = await _dial("127.0.0.1", node.port)
        except (OSError, asyncio.TimeoutError) as e:
            await context.abort(grpc.StatusCode.UNAVAILABLE,
                                _wrap(DIAL_HOST_WRAP, f"connection refused: {e}"))
        log.info("ProxySSH %s as %s (login %s) -> %s (%s)", target.host_port, user,
                 target.login_name, node.name, node.addr)
        try:
            await context.write(pb.ProxySSHResponse(
                details=pb.ClusterDetails(fips_enabled=self.fips)))
            await self._relay(context, pipe, _ssh_payload,
                              lambda data: frame_response(2, data))
        finally:
            pipe.close()

    # ------------------------------------------------------------------ ProxyCluster

    async def ProxyCluster(self, request_iterator, context):  # noqa: N802
        user = self._identity(context)
        if not user:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "client is not authenticated")
        first = await context.read()
        if first is grpc.aio.EOF:
            await context.abort(grpc.StatusCode.UNKNOWN, _wrap("failed receiving first frame",
                                                                "EOF"))
        if isinstance(first, RawFrame):  # a frame but no cluster name
            first = pb.ProxyClusterRequest(frame=pb.Frame(payload=bytes(first.payload)))
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
            pipe = await _dial(backend[0], backend[1])
        except (OSError, asyncio.TimeoutError) as e:
            await context.abort(grpc.StatusCode.UNAVAILABLE, _wrap(wrap, str(e)))
        log.info("ProxyCluster %s as %s -> %s:%d", cluster, user, *backend)
        try:
            if first.HasField("frame") and first.frame.payload:
                await pipe.write(first.frame.payload)
            await self._relay(context, pipe, _cluster_payload,
                              lambda data: frame_response(1, data))
        finally:
            pipe.close()

    # ------------------------------------------------------------------ relay

    @staticmethod
    async def _relay(context, pipe: BackendPipe, payload_of, response_for) -> None:
        """Frames both ways with backpressure. End of the request stream -> write_eof
        to the backend; backend EOF -> the handler returns (status OK)."""

        async def upstream() -> None:
            while True:
                req = await context.read()
                if req is grpc.aio.EOF:
                    pipe.write_eof()
                    return
                data = payload_of(req)
                if data:
                    await pipe.write(data)

        up = asyncio.get_running_loop().create_task(upstream())
        msgs = total = 0
        try:
            while True:
                chunks = await pipe.take()
                if chunks is None:
                    break
                # Everything buffered (up to the high-water mark, about 1 MiB, plus
                # one read) goes out in frames of at most MAX_CHUNK, as Teleport's do.
                data = memoryview(chunks[0] if len(chunks) == 1 else b"".join(chunks))
                total += len(data)
                for off in range(0, len(data), MAX_CHUNK):
                    msgs += 1
                    await context.write(response_for(data[off:off + MAX_CHUNK]))
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
            log.info("relay: %d bytes to the client in %d messages", total, msgs)


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
        # The generated registration, except that responses may also be pre-encoded
        # bytes (frame_response): the relay's hot path skips message objects.
        handlers = {
            "ProxySSH": grpc.stream_stream_rpc_method_handler(
                self.service.ProxySSH, request_deserializer=_deserialize_ssh,
                response_serializer=_serialize),
            "ProxyCluster": grpc.stream_stream_rpc_method_handler(
                self.service.ProxyCluster,
                request_deserializer=_deserialize_cluster,
                response_serializer=_serialize),
        }
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "teleport.transport.v1.TransportService", handlers),))
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

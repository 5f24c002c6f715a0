"""The TransportService relay in-process (grpcio client over the private socket): large
transfers both ways with EOF propagation, ProxyCluster with an auth backend, frames no
larger than Teleport's (16 KiB), and the hand-made wire encodings of the hot path."""
import asyncio
import datetime as dt
import hashlib
import os

import grpc
import pytest

from sandbox import crypto
from sandbox.material import Material
from sandbox.proto import transport_pb2 as pb
from sandbox.proto import transport_pb2_grpc as pbg
from sandbox.proxy import Router
from sandbox.transport_service import (AuthBackends, RawFrame, TransportServer,
                                       TransportService, _deserialize_cluster,
                                       _deserialize_ssh, frame_response)

SIZE = 24 << 20


def test_wire_encodings_match_protobuf():
    for n in (1, 127, 128, 300, 70000, 1 << 20):
        d = os.urandom(n)
        assert frame_response(2, d) == pb.ProxySSHResponse(
            ssh=pb.Frame(payload=d)).SerializeToString()
        assert frame_response(1, [d[:3], d[3:]]) == pb.ProxyClusterResponse(
            frame=pb.Frame(payload=d)).SerializeToString()
        r = _deserialize_ssh(pb.ProxySSHRequest(ssh=pb.Frame(payload=d)).SerializeToString())
        assert isinstance(r, RawFrame) and bytes(r.payload) == d
        r = _deserialize_cluster(pb.ProxyClusterRequest(
            frame=pb.Frame(payload=d)).SerializeToString())
        assert isinstance(r, RawFrame) and bytes(r.payload) == d
    # Anything else goes through protobuf.
    for m in (pb.ProxySSHRequest(agent=pb.Frame(payload=b"x")),
              pb.ProxySSHRequest(dial_target=pb.TargetHost(host_port="a:1"),
                                 ssh=pb.Frame(payload=b"x"))):
        assert not isinstance(_deserialize_ssh(m.SerializeToString()), RawFrame)
    assert not isinstance(_deserialize_cluster(pb.ProxyClusterRequest(
        cluster="c", frame=pb.Frame(payload=b"x")).SerializeToString()), RawFrame)
    for junk in (b"\x12", b"\x12\x05\x0a\x09abc", b"\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"):
        try:
            r = _deserialize_ssh(junk)
        except Exception:  # noqa: BLE001  (protobuf's DecodeError)
            continue
        assert not isinstance(r, RawFrame)


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("relay"))
    m = Material(d, "balanced-v1")
    key, crt = m.issue_proxy_tls_cert()
    ck = crypto.generate_key("ecdsa")
    cert = crypto.make_tls_user_cert(m.user_tls_ca_key, m.user_tls_ca, ck.public_key(), "alice",
                                     ["access"], ["root"], "sandbox.test",
                                     dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    return m, d, key, crt, crypto.cert_pem(cert), crypto.key_pem_pkcs8(ck)


async def _sha_echo_server():
    """Reads to EOF, hashing; then sends SIZE bytes of its own and their hash; closes."""
    seen = {}

    async def handle(r, w):
        h = hashlib.sha256()
        n = 0
        while True:
            b = await r.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        seen["in"] = (n, h.hexdigest())
        out = hashlib.sha256()
        blk = os.urandom(1 << 20)
        for _ in range(SIZE >> 20):
            w.write(blk)
            out.update(blk)
            await w.drain()
        seen["out"] = out.hexdigest()
        w.close()
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    return srv, seen


def test_proxy_ssh_and_proxy_cluster_relay(rig):
    m, d, key, crt, ccert, ckey = rig

    async def main():
        node_srv, node_seen = await _sha_echo_server()
        auth_srv, auth_seen = await _sha_echo_server()
        m.nodes[0].port = node_srv.sockets[0].getsockname()[1]
        backends = AuthBackends()
        svc = TransportService(Router(m.nodes), backends)
        ts = TransportServer(svc, d, key, crt, m.paths["user_tls_ca_pem"])
        await ts.start()
        creds = grpc.ssl_channel_credentials(open(m.paths["tls_ca_pem"], "rb").read(), ckey,
                                             ccert)
        target = "unix:" + ts.address[1] if ts.address[0] == "unix" else \
            "%s:%d" % ts.address[1]
        try:
            async with grpc.aio.secure_channel(target, creds, options=[
                    ("grpc.ssl_target_name_override",
                     "73616e64626f782e74657374.teleport.cluster.local")]) as ch:
                stub = pbg.TransportServiceStub(ch)
                data = os.urandom(SIZE)

                async def exchange(call, first, frame):
                    await call.write(first)
                    got = hashlib.sha256()
                    n = largest = 0
                    details = False

                    async def send():
                        for i in range(0, SIZE, 1 << 20):
                            await call.write(frame(data[i:i + (1 << 20)]))
                        await call.done_writing()
                    t = asyncio.get_running_loop().create_task(send())
                    async for resp in call:
                        if isinstance(resp, pb.ProxySSHResponse):
                            details |= resp.HasField("details")
                            p = resp.ssh.payload
                        else:
                            p = resp.frame.payload
                        got.update(p)
                        n += len(p)
                        largest = max(largest, len(p))
                    await t
                    # api/utils/grpc/stream.MaxChunkSize: the proxy never sends more.
                    assert 0 < largest <= 16 << 10, largest
                    return details, n, got.hexdigest(), await call.code()

                # ProxySSH: the dial target, then ssh frames.
                r = await exchange(stub.ProxySSH(), pb.ProxySSHRequest(
                    dial_target=pb.TargetHost(host_port="node1:3022", cluster="sandbox.test")),
                    lambda b: pb.ProxySSHRequest(ssh=pb.Frame(payload=b)))
                assert r[0] and r[1] == SIZE and r[3] == grpc.StatusCode.OK
                assert r[2] == node_seen["out"]
                assert node_seen["in"] == (SIZE, hashlib.sha256(data).hexdigest())

                # ProxyCluster without a backend: UNIMPLEMENTED; with one: relayed.
                call = stub.ProxyCluster()
                await call.write(pb.ProxyClusterRequest(cluster="sandbox.test"))
                with pytest.raises(grpc.aio.AioRpcError) as e:
                    async for _ in call:
                        pass
                assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
                backends.set("sandbox.test", "127.0.0.1",
                             auth_srv.sockets[0].getsockname()[1])
                r = await exchange(stub.ProxyCluster(),
                                   pb.ProxyClusterRequest(cluster="sandbox.test"),
                                   lambda b: pb.ProxyClusterRequest(frame=pb.Frame(payload=b)))
                assert r[1] == SIZE and r[3] == grpc.StatusCode.OK
                assert r[2] == auth_seen["out"]
                assert auth_seen["in"] == (SIZE, hashlib.sha256(data).hexdigest())
        finally:
            await ts.stop()
            node_srv.close()
            auth_srv.close()

    asyncio.run(main())

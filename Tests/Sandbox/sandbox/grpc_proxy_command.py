"""A test ProxyCommand: stdin/stdout <-> TransportService/ProxySSH, on grpcio.

    python -m sandbox.grpc_proxy_command --state STATE_JSON --cert CRT --key KEY \
        HOST:PORT [--cluster C] [--port PROXY_PORT]

For tests and measurements of the sandbox with the real ssh/scp/sftp, on the SSH port
(grpcio's client offers ALPN h2 only, which the TLS-routing port does not route to the
TransportService). Errors: one `ERROR: <status>: <message>` line on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import grpc

from .proto import transport_pb2 as pb
from .proto import transport_pb2_grpc as pb_grpc

CHUNK = 1 << 20


async def run(a: argparse.Namespace) -> int:
    with open(a.state) as f:
        state = json.load(f)
    with open(a.cafile or state["tls_ca_pem"], "rb") as f:
        ca = f.read()
    with open(a.cert, "rb") as f:
        crt = f.read()
    with open(a.key, "rb") as f:
        key = f.read()
    cluster = a.cluster or state["cluster"]
    sni = state["cluster"].encode().hex() + ".teleport.cluster.local"
    creds = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key,
                                         certificate_chain=crt)
    port = a.port or state["ssh_port"]
    async with grpc.aio.secure_channel(
            f"127.0.0.1:{port}", creds,
            options=[("grpc.ssl_target_name_override", sni),
                     ("grpc.max_receive_message_length", 8 << 20)]) as ch:
        call = pb_grpc.TransportServiceStub(ch).ProxySSH()
        await call.write(pb.ProxySSHRequest(dial_target=pb.TargetHost(
            host_port=a.target, cluster=cluster, login_name=a.login or state["os_user"])))
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=CHUNK)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                     os.fdopen(0, "rb", buffering=0, closefd=False))
        out = sys.stdout.buffer

        async def up() -> None:
            while True:
                d = await reader.read(CHUNK)
                if not d:
                    await call.done_writing()
                    return
                await call.write(pb.ProxySSHRequest(ssh=pb.Frame(payload=d)))

        task = None
        try:
            async for resp in call:
                if task is None:
                    task = loop.create_task(up())
                if resp.WhichOneof("frame") == "ssh":
                    out.write(resp.ssh.payload)
                    out.flush()
        except grpc.aio.AioRpcError as e:
            print(f"ERROR: {e.code().name}: {e.details()}", file=sys.stderr)
            return 1
        except BrokenPipeError:
            return 0
        finally:
            if task is not None:
                task.cancel()
        return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cafile")
    ap.add_argument("--cluster")
    ap.add_argument("--login")
    ap.add_argument("--port", type=int)
    ap.add_argument("target")
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

"""Hostile-server modes (`up --hostile NAME`): one misbehaviour each, off by default.

Every mode is a deliberate lie or failure of the proxy, for tests that prove the client
refuses it. Nothing here runs unless a mode was chosen at `up`; the default sandbox stays
faithful to real Teleport.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any, Dict, List, Optional, Set

log = logging.getLogger("sandbox.hostile")

# The SSH proxy's host certificate (asyncssh and sshd modes alike).
PROXY_CERT_MODES = {
    "proxy-cert-foreign-ca": "host cert signed by a CA that is not in host_signers",
    "proxy-cert-expired": "host cert that expired an hour ago",
    "proxy-cert-no-localhost": "host cert without localhost, 127.0.0.1 and ::1 as principals",
}

# The proxy's TLS host certificate (the TransportService and TLS-routing listeners).
PROXY_TLS_CERT_MODES = {
    "proxy-tls-cert-foreign-ca": "the proxy's TLS host cert is signed by a CA that is not in "
                                 "host_signers tls_certs",
}

# A listener that accepts TCP connections and never sends a byte.
SILENT_MODES = {
    "silent-web": "the web API port accepts connections and says nothing (not even TLS)",
    "silent-ssh": "the SSH proxy port accepts connections and says nothing (no version line)",
}

# Hostile cluster names. `cluster-name-*` puts the value in the ping/find `cluster_name`
# and in `host_signers[].domain_name`; `signer-domain-*` only in the latter,
# `ping-cluster-name-*` only in the former.
CLUSTER_NAME_VALUES = {
    "newline": "sandbox.test\nProxyCommand touch /tmp/pwned-by-hostile-sandbox",
    "space": "sandbox test",
    "percent": "sandbox%h.test",
    "star": "*",
}
CLUSTER_NAME_MODES: Dict[str, str] = {}
for _kind, _value in CLUSTER_NAME_VALUES.items():
    CLUSTER_NAME_MODES[f"cluster-name-{_kind}"] = \
        f"ping cluster_name and host_signers domain_name are {json.dumps(_value)}"
    CLUSTER_NAME_MODES[f"signer-domain-{_kind}"] = \
        f"host_signers domain_name is {json.dumps(_value)} (ping is normal)"
    CLUSTER_NAME_MODES[f"ping-cluster-name-{_kind}"] = \
        f"ping/find cluster_name is {json.dumps(_value)} (host_signers is normal)"

USERNAME_VALUES = {
    "username-traversal": "../../evil",
    "username-traversal-out": "../../../evil",
    "username-slash": "a/b",
}

LOGIN_MODES = {
    **{k: f"the login response's username is {json.dumps(v)}" for k, v in USERNAME_VALUES.items()},
    "user-cert-wrong-key": "the SSH user cert is for another key than the one sent",
    "user-cert-expired": "the SSH user cert expired an hour ago",
    "tls-cert-wrong-key": "the TLS user cert is for another key than the one sent",
    "body-50mb": "the login response is valid JSON of 50 MB (a huge extra field first)",
    "body-truncated": "the login response is JSON cut in the middle (Content-Length matches)",
    "body-bad-base64": "the login response's cert is not valid base64",
    "body-wrong-type": "the login response's cert is a number instead of a string",
    "host-ca-is-cert": "host_signers checking_keys holds the CA and a *-cert-v01 certificate line",
}

MODES: Dict[str, str] = {**PROXY_CERT_MODES, **PROXY_TLS_CERT_MODES, **SILENT_MODES, **CLUSTER_NAME_MODES, **LOGIN_MODES}

BIG_BODY_BYTES = 50 * 1000 * 1000


def cluster_name_for_ping(mode: Optional[str], real: str) -> str:
    if mode and (mode.startswith("cluster-name-") or mode.startswith("ping-cluster-name-")):
        return CLUSTER_NAME_VALUES[mode.rsplit("-", 1)[1]]
    return real


def cluster_name_for_signers(mode: Optional[str], real: str) -> str:
    if mode and (mode.startswith("cluster-name-") or mode.startswith("signer-domain-")):
        return CLUSTER_NAME_VALUES[mode.rsplit("-", 1)[1]]
    return real


def mangle_login_response(mode: Optional[str], resp: Dict[str, Any]) -> Dict[str, Any]:
    """Field-level lies in a successful POST /webapi/ssh/certs reply (cert modes are
    done where the certificates are made, body-level modes in the HTTP handler)."""
    if not mode:
        return resp
    if mode in USERNAME_VALUES:
        resp["username"] = USERNAME_VALUES[mode]
    elif mode == "body-bad-base64" and isinstance(resp.get("cert"), str):
        c = resp["cert"]
        resp["cert"] = c[:40] + "!@#$%^&*()" + c[40:]
    elif mode == "body-wrong-type":
        resp["cert"] = 12345
    return resp


def big_body_chunks(resp: Dict[str, Any], chunk: int = 1 << 20):
    """(total length, iterator of byte chunks) of `{"padding":"AAAA…", <resp>}`."""
    rest = json.dumps(resp, separators=(",", ":")).encode()
    head = b'{"padding":"'
    tail = b'",' + rest[1:]
    pad = BIG_BODY_BYTES - len(head) - len(tail)

    def gen():
        yield head
        left = pad
        block = b"A" * chunk
        while left > 0:
            n = min(chunk, left)
            yield block[:n]
            left -= n
        yield tail
    return len(head) + pad + len(tail), gen()


def truncated_body(resp: Dict[str, Any]) -> bytes:
    body = json.dumps(resp, separators=(",", ":")).encode()
    return body[: len(body) // 2]


class SilentListener:
    """Accepts TCP connections on 127.0.0.1 and never writes; closes them all on stop."""

    def __init__(self, name: str):
        self.name = name
        self.server: Optional[asyncio.AbstractServer] = None
        self.transports: Set[asyncio.BaseTransport] = set()
        self.port = 0

    async def start(self) -> int:
        listener = self

        class _Silent(asyncio.Protocol):
            def connection_made(self, transport):  # type: ignore[override]
                self.transport = transport
                listener.transports.add(transport)

            def data_received(self, data: bytes) -> None:
                pass  # read and drop, so the client's writes never block

            def eof_received(self) -> bool:
                return True  # keep our side open: still silent

            def connection_lost(self, exc) -> None:
                listener.transports.discard(self.transport)

        self.server = await asyncio.get_running_loop().create_server(_Silent, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        log.info("silent %s listener on %d", self.name, self.port)
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for t in list(self.transports):
            t.abort()
        if self.server is not None:
            await self.server.wait_closed()


def checking_key_b64(line: str) -> str:
    return base64.b64encode((line + "\n").encode()).decode()


def describe() -> List[str]:
    return [f"{k}: {v}" for k, v in MODES.items()]

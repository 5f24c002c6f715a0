"""Helpers for tests: run a sandbox, log in, build OpenSSH command lines."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .crypto import totp as _totp

SANDBOX_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def totp_now(secret: str) -> str:
    """The current RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret."""
    return _totp(secret)


def _sandbox_cmd(*args: str) -> List[str]:
    return [sys.executable, "-m", "sandbox", *args]


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SANDBOX_ROOT + (os.pathsep + env["PYTHONPATH"]
                                        if env.get("PYTHONPATH") else "")
    return env


def up(state_dir: str, parent_pid: Optional[int] = None, **options: Any) -> Dict[str, Any]:
    """Run `up`; options are the CLI flags with underscores (suite="legacy", ...)."""
    args = ["up", "--state", state_dir]
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            args.append(flag)
        elif v not in (None, False):
            args += [flag, str(v)]
    if parent_pid:
        args += ["--parent-pid", str(parent_pid)]
    r = subprocess.run(_sandbox_cmd(*args), env=_env(), capture_output=True, text=True,
                       timeout=90)
    if r.returncode != 0:
        raise RuntimeError(f"sandbox up failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    with open(r.stdout.strip().splitlines()[-1]) as f:
        return json.load(f)


def down(state_dir: str) -> None:
    subprocess.run(_sandbox_cmd("down", "--state", state_dir), env=_env(), timeout=60,
                   check=False)


@contextlib.contextmanager
def running_sandbox(state_dir: str, **options: Any) -> Iterator[Dict[str, Any]]:
    """Start a sandbox bound to this process's lifetime; always stop it."""
    os.makedirs(state_dir, exist_ok=True)
    try:
        yield up(str(state_dir), parent_pid=os.getpid(), **options)
    finally:
        down(str(state_dir))


# ------------------------------------------------------------------------ web API

def web_ssl_context(state: Dict[str, Any]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=state["web_ca_pem"])


def web_request(state: Dict[str, Any], method: str, path: str,
                body: Optional[Dict[str, Any]] = None,
                content_type: str = "application/json") -> Tuple[int, Any]:
    """Returns (status, parsed JSON or raw text)."""
    url = f"https://{state['web_addr']}{path}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": content_type} if data else {})
    try:
        with urllib.request.urlopen(req, context=web_ssl_context(state), timeout=30) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        raw = e.read()
        status = e.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class ClientKeys:
    """A client's SSH key pair on disk plus a TLS key, per signature suite."""
    dir: str
    suite: str
    ssh_key_path: str = ""
    ssh_pub_line: str = ""
    tls_key: Any = None
    tls_pub_pem: bytes = b""
    cert_path: str = ""

    @classmethod
    def generate(cls, directory: str, suite: str, name: str = "id") -> "ClientKeys":
        os.makedirs(directory, mode=0o700, exist_ok=True)
        path = os.path.join(directory, name)
        for p in (path, path + ".pub"):
            if os.path.exists(p):
                os.unlink(p)
        kt = ["-t", "rsa", "-b", "2048"] if suite == "legacy" else ["-t", "ed25519"]
        subprocess.run(["ssh-keygen", "-q", *kt, "-N", "", "-C", "", "-f", path], check=True)
        with open(path + ".pub") as f:
            pub = f.read().strip()
        if suite == "legacy":
            tls_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            tls_key = ec.generate_private_key(ec.SECP256R1())
        pem = tls_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(directory, suite, path, pub, tls_key, pem, path + "-cert.pub")


def get_certs(state: Dict[str, Any], user: str, password: str, otp: Optional[str] = None,
              ssh_pub_key_line: str = "", tls_pub_pem: bytes = b"",
              ttl_ns: Optional[int] = None, extra: Optional[Dict[str, Any]] = None
              ) -> Tuple[int, Any]:
    """POST /webapi/ssh/certs. Returns (status, JSON body)."""
    body: Dict[str, Any] = {"user": user, "password": password,
                            "ssh_pub_key": base64.b64encode(
                                (ssh_pub_key_line.strip() + "\n").encode()).decode()
                            if ssh_pub_key_line else "",
                            "tls_pub_key": base64.b64encode(tls_pub_pem).decode()
                            if tls_pub_pem else "",
                            "ttl": ttl_ns if ttl_ns is not None else 12 * 3600 * 10**9,
                            "compatibility": "", "RouteToCluster": "", "KubernetesCluster": ""}
    if otp:
        body["otp_token"] = otp
    if extra:
        body.update(extra)
    return web_request(state, "POST", "/webapi/ssh/certs", body)


def login(state: Dict[str, Any], keys: ClientKeys, user: str = "alice") -> Dict[str, Any]:
    """Log in (with TOTP when the user has one) and write the cert next to the key."""
    u = state["users"][user]
    otp = totp_now(u["totp_secret"]) if u.get("totp_secret") else None
    status, resp = get_certs(state, user, u["password"], otp, keys.ssh_pub_line,
                             keys.tls_pub_pem)
    if status != 200:
        raise RuntimeError(f"login failed: {status} {resp}")
    with open(keys.cert_path, "wb") as f:
        f.write(base64.b64decode(resp["cert"]))
    return resp


def known_hosts_line(state: Dict[str, Any], cluster: str, ca_pub_line: str) -> str:
    ca = " ".join(ca_pub_line.split()[:2])
    return f"@cert-authority {state['proxy_host']},{cluster},*.{cluster} {ca} type=host\n"


def write_known_hosts(state: Dict[str, Any], path: str, include_leaf: bool = True) -> str:
    with open(state["host_ca_pub"]) as f:
        text = known_hosts_line(state, state["cluster"], f.read())
    if include_leaf:
        with open(state["leaf_host_ca_pub"]) as f:
            text += known_hosts_line(state, state["leaf_cluster"], f.read())
    with open(path, "w") as f:
        f.write(text)
    return path


def ssh_common_opts(known_hosts: str, keys: ClientKeys) -> List[str]:
    return ["-F", "none", "-o", f"UserKnownHostsFile={known_hosts}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", f"IdentityFile={keys.ssh_key_path}",
            "-o", f"CertificateFile={keys.cert_path}", "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]


def proxy_leg_argv(state: Dict[str, Any], known_hosts: str, keys: ClientKeys,
                   subsystem: str, login_name: Optional[str] = None) -> List[str]:
    """The seed's `tsh proxy ssh` equivalent: ssh -p <proxy> <proxy> -s <subsystem>."""
    return ["ssh", *ssh_common_opts(known_hosts, keys), "-p", str(state["ssh_port"]),
            "-o", f"HostKeyAlias={state['proxy_host']}",
            "-l", login_name or state["os_user"], state["proxy_host"], "-s", subsystem]


def fresh_proxysites_argv(state: Dict[str, Any], tmp_dir: str, user: str = "alice") -> List[str]:
    """A new client in `tmp_dir` (keys, a login, known_hosts trusting the CAs from
    login) asking the proxy for `proxysites`: the shortest proof of the proxy's host key."""
    keys = ClientKeys.generate(tmp_dir, state["suite"])
    login(state, keys, user)
    known_hosts = write_known_hosts(state, os.path.join(tmp_dir, "kh"))
    return proxy_leg_argv(state, known_hosts, keys, "proxysites")


def node_ssh_argv(state: Dict[str, Any], known_hosts: str, keys: ClientKeys, node: str,
                  cluster: str, command: List[str], port: int = 3022) -> List[str]:
    sub = f"proxy:{node}:{port}@{cluster}"
    proxy_cmd = " ".join(shlex.quote(a) for a in proxy_leg_argv(state, known_hosts, keys, sub))
    return ["ssh", *ssh_common_opts(known_hosts, keys), "-o", f"ProxyCommand={proxy_cmd}",
            "-p", str(port), f"{state['os_user']}@{node}.{cluster}", "--", *command]


# ------------------------------------------------------------------------ asyncssh probe

def subsystem_probe(state: Dict[str, Any], known_hosts: str, keys: ClientKeys,
                    subsystem: str, send: bytes = b"", timeout: float = 15.0
                    ) -> Tuple[bool, bytes, bytes]:
    """Request a subsystem on the proxy with an asyncssh client.

    Unlike OpenSSH, this reads the channel's stderr that arrives *before* the
    request is refused. Returns (accepted, stdout bytes, stderr bytes).
    """
    import asyncio

    import asyncssh

    class _Session(asyncssh.SSHClientSession):
        def __init__(self) -> None:
            self.out = bytearray()
            self.err = bytearray()
            self.closed = asyncio.get_event_loop().create_future()

        def connection_made(self, chan) -> None:  # type: ignore[override]
            # Deliver data at once, even before the request is answered.
            chan.resume_reading()

        def data_received(self, data, datatype) -> None:
            (self.err if datatype == asyncssh.EXTENDED_DATA_STDERR else self.out).extend(data)

        def connection_lost(self, exc) -> None:
            if not self.closed.done():
                self.closed.set_result(None)

    async def run() -> Tuple[bool, bytes, bytes]:
        key = asyncssh.read_private_key(keys.ssh_key_path)
        cert = asyncssh.read_certificate(keys.cert_path)
        holder: Dict[str, _Session] = {}

        def factory() -> _Session:
            holder["s"] = _Session()
            return holder["s"]

        async with asyncssh.connect(
                "127.0.0.1", state["ssh_port"], username=state["os_user"],
                known_hosts=known_hosts, host_key_alias=state["proxy_host"],
                client_keys=[(key, cert)], agent_path=None, config=None,
                encoding=None) as conn:
            try:
                chan, sess = await conn.create_session(factory, subsystem=subsystem,
                                                       encoding=None)
            except asyncssh.ChannelOpenError:
                s = holder.get("s")
                await asyncio.sleep(0.2)
                return False, bytes(s.out) if s else b"", bytes(s.err) if s else b""
            if send:
                chan.write(send)
            chan.write_eof()
            try:
                await asyncio.wait_for(sess.closed, timeout)
            except asyncio.TimeoutError:
                chan.close()
            return True, bytes(sess.out), bytes(sess.err)

    return asyncio.run(run())


# ------------------------------------------------------------------------ TLS / gRPC

def write_tls_identity(keys: ClientKeys, login_response: Dict[str, Any]) -> Tuple[str, str]:
    """Write the TLS cert from login and the TLS key next to the SSH key; returns
    (cert path, key path), as a client's `<user>.crt` / `<user>.key`."""
    crt = os.path.join(keys.dir, "tls.crt")
    key = os.path.join(keys.dir, "tls.key")
    with open(crt, "wb") as f:
        f.write(base64.b64decode(login_response["tls_cert"]))
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(keys.tls_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return crt, key


def proxy_ssh_open(state: Dict[str, Any], cert: str, key: str, host_port: str,
                   cluster: Optional[str] = None, port: Optional[int] = None,
                   cafile: Optional[str] = None, login: Optional[str] = None,
                   transport=None):
    """Open TransportService/ProxySSH (ALPN teleport-proxy-ssh-grpc, h2; SNI
    hex(cluster).teleport.cluster.local; roots: the host TLS CA) and send the dial
    target. Returns the GrpcStream."""
    from . import grpc_client as g
    from .proto import transport_pb2 as pb
    sni = g.sni_for(state["cluster"])
    if transport is None:
        transport = g.tls_connect("127.0.0.1", port or state["ssh_port"],
                                  cafile or state["tls_ca_pem"], cert, key, sni)
    st = g.GrpcStream(transport, g.PROXY_SSH, sni)
    st.send_message(pb.ProxySSHRequest(dial_target=pb.TargetHost(
        host_port=host_port, cluster=cluster or state["cluster"],
        login_name=login or state["os_user"])).SerializeToString())
    return st


def proxy_ssh_banner(stream, timeout_bytes: int = 256) -> Tuple[bool, bytes]:
    """Read the details response and then ssh frames until a full version line.
    Returns (details_seen, bytes)."""
    from .proto import transport_pb2 as pb
    details = False
    data = b""
    while b"\n" not in data and len(data) < timeout_bytes:
        raw = stream.recv_message()
        if raw is None:
            break
        m = pb.ProxySSHResponse.FromString(raw)
        if m.HasField("details"):
            details = True
        if m.WhichOneof("frame") == "ssh":
            data += m.ssh.payload
    return details, data

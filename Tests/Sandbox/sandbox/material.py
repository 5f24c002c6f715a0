"""Generate every key, CA and certificate of one sandbox run and write them to disk."""

from __future__ import annotations

import getpass
import os
import pwd
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import crypto

ROOT_CLUSTER = "sandbox.test"
LEAF_CLUSTER = "leaf.test"
PROXY_HOST = "localhost"
INTERNAL_JOIN = "-teleport-internal-join"
ROLES = ["access", "editor"]


def current_os_user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return getpass.getuser()


def write_private(path: str, data: bytes, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


@dataclass
class User:
    name: str
    password: str
    totp_secret: Optional[str]
    logins: List[str]
    roles: List[str] = field(default_factory=lambda: list(ROLES))

    @property
    def principals(self) -> List[str]:
        return self.logins + [INTERNAL_JOIN]


@dataclass
class Node:
    name: str
    uuid: str
    cluster: str
    port: int = 0
    host_key_path: str = ""
    host_cert_path: str = ""
    principals: List[str] = field(default_factory=list)

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"


class Material:
    """All key material of a run. Files live under <state>/keys (0700)."""

    def __init__(self, state_dir: str, suite: str):
        self.state_dir = os.path.abspath(state_dir)
        self.keys_dir = os.path.join(self.state_dir, "keys")
        os.makedirs(self.keys_dir, mode=0o700, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        os.chmod(self.keys_dir, 0o700)
        self.suite = suite
        s = crypto.SUITES[suite]
        self.ssh_kind = s["ssh_ca"]
        self.tls_kind = s["tls_ca"]
        self.os_user = current_os_user()
        now = time.time()

        # CAs.
        self.user_ca = crypto.generate_key(self.ssh_kind)
        self.host_ca = crypto.generate_key(self.ssh_kind)
        self.leaf_host_ca = crypto.generate_key(self.ssh_kind)
        # Two TLS CAs, as in Teleport (lib/auth/init.go creates a host CA and a
        # user CA, each with its own TLS key pair): the host CA's certificate is
        # what login's host_signers[].tls_certs carries and it signs the proxy's
        # TLS host certificate; the user CA signs users' TLS certificates.
        # `tls_ca` keeps its old name: it is the host CA (the one in host_signers).
        self.tls_ca_key = crypto.generate_key(self.tls_kind)
        self.tls_ca = crypto.make_tls_ca(self.tls_ca_key, ROOT_CLUSTER, ROOT_CLUSTER)
        self.user_tls_ca_key = crypto.generate_key(self.tls_kind)
        self.user_tls_ca = crypto.make_tls_ca(self.user_tls_ca_key, ROOT_CLUSTER, ROOT_CLUSTER)
        # The web server's certificate comes from a separate "public" CA, as in
        # a real deployment where the web cert is from a public CA.
        self.web_ca_key = crypto.generate_key("ecdsa")
        self.web_ca = crypto.make_tls_ca(self.web_ca_key, "Sandbox Web CA", "sandbox web CA")
        self.web_key = crypto.generate_key("ecdsa")
        self.web_cert = crypto.make_tls_server_cert(self.web_ca_key, self.web_ca, self.web_key,
                                                    ["localhost"], ["127.0.0.1", "::1"])

        self.user_ca_pub = crypto.ssh_public_line(self.user_ca)
        self.host_ca_pub = crypto.ssh_public_line(self.host_ca)
        self.leaf_host_ca_pub = crypto.ssh_public_line(self.leaf_host_ca)

        self.paths: Dict[str, str] = {}
        k = self.keys_dir
        self._write("user_ca_pub", os.path.join(k, "user_ca.pub"), self.user_ca_pub + "\n")
        self._write("host_ca_pub", os.path.join(k, "host_ca.pub"), self.host_ca_pub + "\n")
        self._write("leaf_host_ca_pub", os.path.join(k, "leaf_host_ca.pub"),
                    self.leaf_host_ca_pub + "\n")
        self._write("tls_ca_pem", os.path.join(k, "tls_ca.pem"),
                    crypto.cert_pem(self.tls_ca).decode())
        self._write("user_tls_ca_pem", os.path.join(k, "user_tls_ca.pem"),
                    crypto.cert_pem(self.user_tls_ca).decode())
        write_private(os.path.join(k, "tls_ca.key"), crypto.key_pem_pkcs8(self.tls_ca_key))
        write_private(os.path.join(k, "user_tls_ca.key"), crypto.key_pem_pkcs8(self.user_tls_ca_key))
        self.paths["host_tls_ca_key"] = os.path.join(k, "tls_ca.key")
        self.paths["user_tls_ca_key"] = os.path.join(k, "user_tls_ca.key")
        self._write("web_ca_pem", os.path.join(self.state_dir, "web-ca.pem"),
                    crypto.cert_pem(self.web_ca).decode(), mode=0o644)
        self._write("web_cert", os.path.join(k, "web.crt"), crypto.cert_pem(self.web_cert).decode())
        write_private(os.path.join(k, "web.key"), crypto.key_pem_pkcs8(self.web_key))
        self.paths["web_key"] = os.path.join(k, "web.key")
        # CA private keys are written too (0600) so that tests can forge things.
        write_private(os.path.join(k, "user_ca"), crypto.ssh_private_pem(self.user_ca))
        write_private(os.path.join(k, "host_ca"), crypto.ssh_private_pem(self.host_ca))
        write_private(os.path.join(k, "leaf_host_ca"), crypto.ssh_private_pem(self.leaf_host_ca))
        self.paths["user_ca_key"] = os.path.join(k, "user_ca")
        self.paths["host_ca_key"] = os.path.join(k, "host_ca")
        self.paths["leaf_host_ca_key"] = os.path.join(k, "leaf_host_ca")

        # Users.
        logins = [self.os_user] + (["ubuntu"] if self.os_user != "ubuntu" else [])
        self.users = {
            "alice": User("alice", secrets.token_urlsafe(12), None, list(logins)),
            "bob": User("bob", secrets.token_urlsafe(12), crypto.new_totp_secret(), list(logins)),
        }

        # Nodes.
        self.nodes = [Node("node1", str(uuid.uuid4()), ROOT_CLUSTER),
                      Node("node2", str(uuid.uuid4()), ROOT_CLUSTER),
                      Node("leafnode1", str(uuid.uuid4()), LEAF_CLUSTER)]
        self.proxy_host_id = str(uuid.uuid4())
        self.created = now

    def _write(self, name: str, path: str, text: str, mode: int = 0o600) -> None:
        write_private(path, text.encode(), mode)
        self.paths[name] = path

    # ----------------------------------------------------------------- host certs

    def host_ca_for(self, cluster: str):
        return self.host_ca if cluster == ROOT_CLUSTER else self.leaf_host_ca

    def issue_node_host_cert(self, node: Node) -> None:
        key = crypto.generate_key(self.ssh_kind)
        node.principals = [f"{node.uuid}.{node.cluster}", node.uuid,
                           f"{node.name}.{node.cluster}", node.name,
                           "localhost", "127.0.0.1", "::1"]
        cert = crypto.make_ssh_cert(
            self.host_ca_for(node.cluster), crypto.ssh_public_blob(key), crypto.HOST_CERT,
            key_id=f"{node.uuid}.{node.cluster}", principals=node.principals,
            valid_after=int(time.time()) - 60, valid_before=crypto.CERT_TIME_INFINITY,
            extensions={"x-teleport-authority": node.cluster, "x-teleport-role": "Node"})
        node.host_key_path = os.path.join(self.keys_dir, f"{node.name}_host_key")
        node.host_cert_path = node.host_key_path + "-cert.pub"
        write_private(node.host_key_path, crypto.ssh_private_pem(key))
        write_private(node.host_cert_path, (cert + "\n").encode())

    def issue_proxy_tls_cert(self, hostile: Optional[str] = None):
        """The proxy's Teleport TLS host certificate (signed by the host TLS CA).

        Its DNS names include `*.teleport.cluster.local`, so that the SNI a client
        sends (`<hex(cluster)>.teleport.cluster.local`, api/utils/tlsutils and
        api/client/proxy) verifies. Writes key and cert; returns their paths."""
        signer_key, signer = self.tls_ca_key, self.tls_ca
        if hostile == "proxy-tls-cert-foreign-ca":
            # A CA nobody was told about (same subject as the real one).
            signer_key = crypto.generate_key(self.tls_kind)
            signer = crypto.make_tls_ca(signer_key, ROOT_CLUSTER, ROOT_CLUSTER)
        key = crypto.generate_key(self.tls_kind)
        dns = [f"{self.proxy_host_id}.{ROOT_CLUSTER}", self.proxy_host_id, PROXY_HOST,
               "*.teleport.cluster.local", "teleport.cluster.local"]
        cert = crypto.make_tls_server_cert(signer_key, signer, key, dns, ["127.0.0.1", "::1"])
        k = self.keys_dir
        self._write("proxy_tls_cert_pem", os.path.join(k, "proxy_tls.crt"),
                    crypto.cert_pem(cert).decode())
        write_private(os.path.join(k, "proxy_tls.key"), crypto.key_pem_pkcs8(key))
        self.paths["proxy_tls_key"] = os.path.join(k, "proxy_tls.key")
        self.proxy_tls_dns = dns
        return self.paths["proxy_tls_key"], self.paths["proxy_tls_cert_pem"]

    def issue_proxy_host_key(self, hostile: Optional[str] = None):
        """Returns (private key, cert line, principals, key path, cert path).

        `hostile` (see hostile.PROXY_CERT_MODES) spoils the certificate on purpose."""
        key = crypto.generate_key(self.ssh_kind)
        principals = [f"{self.proxy_host_id}.{ROOT_CLUSTER}", self.proxy_host_id,
                      PROXY_HOST, "127.0.0.1", "::1"]
        signer = self.host_ca
        now = int(time.time())
        valid_after, valid_before = now - 60, crypto.CERT_TIME_INFINITY
        if hostile == "proxy-cert-foreign-ca":
            signer = crypto.generate_key(self.ssh_kind)  # a CA nobody was told about
        elif hostile == "proxy-cert-expired":
            valid_after, valid_before = now - 7200, now - 3600
        elif hostile == "proxy-cert-no-localhost":
            principals = principals[:2]
        cert = crypto.make_ssh_cert(
            signer, crypto.ssh_public_blob(key), crypto.HOST_CERT,
            key_id=f"{self.proxy_host_id}.{ROOT_CLUSTER}", principals=principals,
            valid_after=valid_after, valid_before=valid_before,
            extensions={"x-teleport-authority": ROOT_CLUSTER, "x-teleport-role": "Proxy"})
        key_path = os.path.join(self.keys_dir, "proxy_host_key")
        cert_path = key_path + "-cert.pub"
        write_private(key_path, crypto.ssh_private_pem(key))
        write_private(cert_path, (cert + "\n").encode())
        return key, cert, principals, key_path, cert_path

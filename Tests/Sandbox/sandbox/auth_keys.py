"""Key material of the sandbox's auth servers: the SNI and ALPN names of a cluster's auth
server, the clusters' host TLS CAs, the auth servers' TLS credentials, and the
CertAuthorityV2 messages GetCertAuthorities answers with (split from auth_service.py)."""

from __future__ import annotations

import os
import uuid
from typing import Optional, Tuple

import grpc

from . import crypto, gen  # noqa: F401  (gen puts the generated modules on sys.path)
from .material import LEAF_CLUSTER, ROOT_CLUSTER, Material, write_private

from teleport.legacy.types import types_pb2 as typespb  # noqa: E402

API_DOMAIN = "teleport.cluster.local"
ALPN_AUTH_PREFIX = "teleport-auth@"


def hex_cluster_sni(cluster: str) -> str:
    """The SNI (and ALPN suffix) Go tsh uses for a cluster's auth server
    (api/utils EncodeClusterName)."""
    return cluster.encode().hex() + "." + API_DOMAIN


def cluster_from_sni(name: str) -> Optional[str]:
    """The cluster named by `<hex(cluster)>.teleport.cluster.local`; None if it is not one."""
    suffix = "." + API_DOMAIN
    if not name.endswith(suffix):
        return None
    label = name[:-len(suffix)]
    if not label or "." in label:
        return None
    try:
        return bytes.fromhex(label).decode("utf-8")
    except ValueError:
        return None


def cluster_from_alpn(protocol: str) -> Optional[str]:
    """The cluster of an ALPN protocol `teleport-auth@<hex(cluster)>.teleport.cluster.local`
    (what the proxy routes to `AuthServers.port_for`); None for any other protocol."""
    if not protocol.startswith(ALPN_AUTH_PREFIX):
        return None
    return cluster_from_sni(protocol[len(ALPN_AUTH_PREFIX):])


def leaf_tls_ca(m: Material):
    """(key, cert) of the leaf cluster's host TLS CA, made once per Material.

    TODO: move into Material when it splits the TLS CAs (host/user) per cluster."""
    if getattr(m, "leaf_tls_ca", None) is None:
        m.leaf_tls_ca_key = crypto.generate_key(m.tls_kind)
        m.leaf_tls_ca = crypto.make_tls_ca(m.leaf_tls_ca_key, LEAF_CLUSTER, LEAF_CLUSTER)
        path = os.path.join(m.keys_dir, "leaf_tls_ca.pem")
        write_private(path, crypto.cert_pem(m.leaf_tls_ca))
        m.paths["leaf_tls_ca_pem"] = path
    return m.leaf_tls_ca_key, m.leaf_tls_ca


def leaf_rotation_keys(m: Material) -> Tuple[str, bytes]:
    """(SSH public line, TLS CA PEM) of the leaf's previous host CA, for a rotation in progress."""
    if getattr(m, "leaf_old_host_ca", None) is None:
        m.leaf_old_host_ca = crypto.generate_key(m.ssh_kind)
        key = crypto.generate_key(m.tls_kind)
        m.leaf_old_tls_ca = crypto.make_tls_ca(key, LEAF_CLUSTER, LEAF_CLUSTER)
    return crypto.ssh_public_line(m.leaf_old_host_ca), crypto.cert_pem(m.leaf_old_tls_ca)


def host_tls_ca(m: Material, cluster: str):
    """(key, cert) of a cluster's host TLS CA.

    TODO: Material has one TLS CA for the root that signs both user and host certificates;
    use its host TLS CA here once it has a separate one."""
    if cluster == ROOT_CLUSTER:
        return m.tls_ca_key, m.tls_ca
    return leaf_tls_ca(m)


def user_tls_ca_pem(m: Material) -> bytes:
    """The CA that signs users' TLS certificates: the root's user TLS CA, which the web
    login signs with (a leaf trusts it as well)."""
    return crypto.cert_pem(m.user_tls_ca)


def auth_server_credentials(m: Material, cluster: str) -> grpc.ServerCredentials:
    ca_key, ca_cert = host_tls_ca(m, cluster)
    key = crypto.generate_key(m.tls_kind)
    cert = crypto.make_tls_server_cert(ca_key, ca_cert, key,
                                       ["*.teleport.cluster.local", "teleport.cluster.local"], [])
    chain = crypto.cert_pem(cert)
    return grpc.ssl_server_credentials([(crypto.key_pem_pkcs8(key), chain)],
                                       root_certificates=user_tls_ca_pem(m),
                                       require_client_auth=True)




# --------------------------------------------------------------------------- CA messages

def _authorized_key(line: str) -> bytes:
    """ssh.MarshalAuthorizedKey's form: "<type> <base64>\\n", no comment."""
    parts = line.split()
    return (parts[0] + " " + parts[1] + "\n").encode()


def make_host_ca(cluster: str, ssh_pub_line: str, tls_cert_pem: bytes) -> typespb.CertAuthorityV2:
    ca = typespb.CertAuthorityV2(Kind="cert_authority", SubKind="host", Version="v2")
    ca.Metadata.Name = cluster
    ca.Metadata.Namespace = "default"
    ca.Metadata.Revision = str(uuid.uuid5(uuid.NAMESPACE_DNS, "ca." + cluster))
    ca.Spec.Type = "host"
    ca.Spec.ClusterName = cluster
    ca.Spec.ActiveKeys.SSH.add(PublicKey=_authorized_key(ssh_pub_line))
    ca.Spec.ActiveKeys.TLS.add(Cert=tls_cert_pem)
    # Non-nullable in Teleport (gogoproto nullable=false): on the wire even when empty.
    ca.Spec.AdditionalTrustedKeys.SetInParent()
    return ca


def make_user_ca(cluster: str, ssh_pub_line: str, tls_cert_pem: bytes) -> typespb.CertAuthorityV2:
    ca = make_host_ca(cluster, ssh_pub_line, tls_cert_pem)
    ca.SubKind = "user"
    ca.Spec.Type = "user"
    return ca

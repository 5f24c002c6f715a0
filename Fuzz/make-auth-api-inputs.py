#!/usr/bin/env python3
"""Writes the seeds (Fuzz/Corpus/auth-api/) and the crafted regression inputs
(Tests/TeleportClientTests/Golden/fuzz/auth-api/) of the `auth-api` target: the auth
server's GetCertAuthoritiesResponse and ListUnifiedResourcesResponse messages as the
sandbox's auth server makes them (Tests/Sandbox/sandbox/auth_service.py), and hostile
variants of them. Needs the sandbox's Python packages (the repository's .venv):

    .venv/bin/python Fuzz/make-auth-api-inputs.py

Keys are generated afresh on every run, so re-running rewrites every file with new bytes.
"""
import os
import sys
import tempfile

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
sys.path.insert(0, os.path.join(ROOT, "Tests", "Sandbox"))

from sandbox import auth_service, crypto  # noqa: E402
from sandbox.auth_keys import leaf_tls_ca, make_host_ca  # noqa: E402
from sandbox.material import LEAF_CLUSTER, ROOT_CLUSTER, Material  # noqa: E402

from teleport.legacy.client.proto import authservice_pb2 as authpb  # noqa: E402
from teleport.trust.v1 import trust_service_pb2 as trustpb  # noqa: E402

CORPUS = os.path.join(FUZZ, "Corpus", "auth-api")
GOLDEN = os.path.join(ROOT, "Tests", "TeleportClientTests", "Golden", "fuzz", "auth-api")


def write(directory, name, data: bytes):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def both(name, data: bytes):
    write(CORPUS, name, data)
    write(GOLDEN, name, data)


def cas_response(cas) -> bytes:
    return trustpb.GetCertAuthoritiesResponse(cert_authorities_v2=cas).SerializeToString()


def nodes_response(nodes, next_key="") -> bytes:
    resp = authpb.ListUnifiedResourcesResponse(NextKey=next_key)
    for n in nodes:
        resp.Resources.add().Node.CopyFrom(n)
    return resp.SerializeToString()


def main():
    m = Material(tempfile.mkdtemp(prefix="auth-api-inputs-"), "balanced-v1")
    root = make_host_ca(ROOT_CLUSTER, m.host_ca_pub, crypto.cert_pem(m.tls_ca))
    leaf = make_host_ca(LEAF_CLUSTER, m.leaf_host_ca_pub, crypto.cert_pem(leaf_tls_ca(m)[1]))
    both("cas-root-leaf.bin", cas_response([root, leaf]))
    fakes = auth_service.fake_nodes(ROOT_CLUSTER, 12)
    # Agentless, agent, command labels (i = 3), tunnel (i = 7), awkward labels (i = 11).
    both("nodes-page.bin", nodes_response([fakes[i] for i in (0, 1, 3, 7, 11)], "/unified_resource/node/x"))
    both("nodes-last-page.bin", nodes_response(fakes[:2]))

    def hostile_ca(name, edit):
        ca = type(leaf)()
        ca.CopyFrom(leaf)
        edit(ca)
        write(GOLDEN, name, cas_response([root, ca]))

    def rename(value):
        def edit(ca):
            ca.Metadata.Name = ca.Spec.ClusterName = value
        return edit

    for mode, value in auth_service.CA_NAME_VALUES.items():
        hostile_ca(f"{mode}.bin", rename(value))

    def inject(ca):
        line = ca.Spec.ActiveKeys.SSH[0].PublicKey
        ca.Spec.ActiveKeys.SSH[0].PublicKey = line + b"@cert-authority * " + line.rstrip(b"\n") + b" type=host\n"
    hostile_ca("ca-key-injection.bin", inject)

    def garbage_tls(ca):
        ca.Spec.ActiveKeys.TLS[0].Cert = b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
    hostile_ca("ca-tls-garbage.bin", garbage_tls)

    def user_type(ca):
        ca.Spec.Type = "user"
    hostile_ca("ca-user-type.bin", user_type)

    node = type(fakes[0])()
    node.CopyFrom(fakes[0])
    node.Spec.Hostname = "web\nforged-node\tx"
    node.Metadata.Labels["k\n"] = "v\x1b[31m"
    write(GOLDEN, "node-hostname-newline.bin", nodes_response([node]))
    write(GOLDEN, "nodes-garbage.bin", auth_service.GARBAGE)
    write(GOLDEN, "empty.bin", b"")


if __name__ == "__main__":
    main()

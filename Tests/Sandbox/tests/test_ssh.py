import json
import subprocess

import pytest

from sandbox import testing


def run(argv, **kw):
    kw.setdefault("timeout", 60)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def test_echo_hello_node1(sbx, client):
    keys, kh = client
    r = run(testing.node_ssh_argv(sbx, kh, keys, "node1", "sandbox.test", ["echo", "hello"]))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello\n"


def test_node2_by_uuid(sbx, client):
    keys, kh = client
    uuid = [n["uuid"] for n in sbx["nodes"] if n["name"] == "node2"][0]
    # The node's host cert lists <uuid>.<cluster>, so ssh can target it by UUID.
    r = run(testing.node_ssh_argv(sbx, kh, keys, uuid, "sandbox.test", ["echo", "hi"]))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hi\n"


def test_leafnode1(sbx, client):
    keys, kh = client
    r = run(testing.node_ssh_argv(sbx, kh, keys, "leafnode1", "leaf.test", ["echo", "hello"]))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello\n"


def test_leaf_node_needs_leaf_ca(sbx, client, tmp_path):
    keys, _ = client
    kh = testing.write_known_hosts(sbx, str(tmp_path / "kh"), include_leaf=False)
    r = run(testing.node_ssh_argv(sbx, kh, keys, "leafnode1", "leaf.test", ["true"]))
    assert r.returncode != 0
    assert "Host key verification failed" in r.stderr


def test_wrong_host_ca_fails(sbx, client, tmp_path):
    keys, _ = client
    other = testing.ClientKeys.generate(str(tmp_path / "other"), sbx["suite"])
    kh = tmp_path / "kh"
    kh.write_text(testing.known_hosts_line(sbx, "sandbox.test", other.ssh_pub_line))
    r = run(testing.proxy_leg_argv(sbx, str(kh), keys, "proxysites"))
    assert r.returncode == 255
    assert "Host key verification failed" in r.stderr


def test_proxysites(sbx, client):
    keys, kh = client
    r = run(testing.proxy_leg_argv(sbx, kh, keys, "proxysites"))
    sites = json.loads(r.stdout)
    assert [s["name"] for s in sites] == ["sandbox.test", "leaf.test"]
    for s in sites:
        assert s["status"] == "online" and s["lastconnected"].endswith("Z")


def test_unknown_node(sbx, client):
    keys, kh = client
    sub = "proxy:nosuchnode:3022@sandbox.test"
    accepted, out, err = testing.subsystem_probe(sbx, kh, keys, sub)
    assert not accepted
    assert err == b"direct dialing to nodes not found in inventory is not supported\n"
    r = run(testing.proxy_leg_argv(sbx, kh, keys, sub))
    assert r.returncode != 0
    assert "subsystem request failed" in r.stderr


def test_unknown_cluster(sbx, client):
    keys, kh = client
    accepted, _, err = testing.subsystem_probe(sbx, kh, keys, "proxy:node1:3022@x")
    assert not accepted
    assert err == b'invalid format for proxy request: unknown cluster "x"\n'


@pytest.mark.parametrize("sub,ok,needle", [
    ("proxy:node1:3022", True, None),
    ("proxy:node1:3022@default@sandbox.test", True, None),
    ("proxy:node1", True, None),
    ("proxy::3022", False, b"invalid format for proxy request"),
    ("proxy:127.0.0.1:0@sandbox.test", False, b"err-node-is-ambiguous"),
    ("proxy:12345678-1234-1234-1234-123456789abc:22@sandbox.test", False,
     b"unable to locate node matching UUID-like target"),
])
def test_subsystem_forms(pool, tmp_path, sub, ok, needle):
    s = pool.get(suite="balanced-v1")
    keys = testing.ClientKeys.generate(str(tmp_path), "balanced-v1")
    testing.login(s, keys, "alice")
    kh = testing.write_known_hosts(s, str(tmp_path / "kh"))
    accepted, out, err = testing.subsystem_probe(s, kh, keys, sub)
    assert accepted == ok, err
    if ok:
        assert out.startswith(b"SSH-2.0-")
    else:
        assert needle in err and err.endswith(b"\n")


def test_plain_proxy_host_key_fails(pool, tmp_path):
    s = pool.get(suite="balanced-v1", proxy_host_key="plain")
    r = run(testing.fresh_proxysites_argv(s, str(tmp_path)))
    assert r.returncode == 255
    assert "Host key verification failed" in r.stderr


def test_plain_user_key_rejected(sbx, client, tmp_path):
    keys, kh = client
    plain = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    plain.cert_path = "/dev/null"
    r = run(testing.proxy_leg_argv(sbx, kh, plain, "proxysites"))
    assert r.returncode == 255
    assert "Permission denied" in r.stderr


@pytest.mark.parametrize("suite_name", ["balanced-v1", "legacy"])
def test_benchmark_mode_sshd(pool, tmp_path, suite_name):
    s = pool.get(suite=suite_name, mode="sshd")
    keys = testing.ClientKeys.generate(str(tmp_path), suite_name)
    testing.login(s, keys, "alice")
    kh = testing.write_known_hosts(s, str(tmp_path / "kh"))
    for node, cluster in [("node1", "sandbox.test"), ("node2", "sandbox.test"),
                          ("leafnode1", "leaf.test")]:
        r = run(testing.node_ssh_argv(s, kh, keys, node, cluster, ["echo", "hello"]))
        assert r.returncode == 0, r.stderr
        assert r.stdout == "hello\n"
    r = run(testing.proxy_leg_argv(s, kh, keys, "proxysites"))
    assert [x["name"] for x in json.loads(r.stdout)] == ["sandbox.test", "leaf.test"]


def test_bulk_transfer_both_ways(pool, tmp_path):
    import hashlib
    import os
    s = pool.get(suite="balanced-v1")
    keys = testing.ClientKeys.generate(str(tmp_path), "balanced-v1")
    testing.login(s, keys, "alice")
    kh = testing.write_known_hosts(s, str(tmp_path / "kh"))
    data = os.urandom(64 * 1024 * 1024)
    r = subprocess.run(testing.node_ssh_argv(s, kh, keys, "node1", "sandbox.test",
                                             ["sha256sum"]),
                       input=data, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()
    r = subprocess.run(testing.node_ssh_argv(s, kh, keys, "node1", "sandbox.test",
                                             ["head", "-c", "67108864", "/dev/zero"]),
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and len(r.stdout) == 64 * 1024 * 1024


def test_direct_tcpip_like_proxyjump(sbx, client):
    """ssh -W through the proxy (what ProxyJump does) is routed like proxy:host:port."""
    import shlex
    keys, kh = client
    common = testing.ssh_common_opts(kh, keys)
    pc = " ".join(shlex.quote(a) for a in [
        "ssh", *common, "-p", str(sbx["ssh_port"]), "-o", "HostKeyAlias=localhost",
        "-l", sbx["os_user"], "-W", "%h:%p", "localhost"])
    argv = ["ssh", *common, "-o", "ProxyCommand=" + pc, "-o",
            "HostKeyAlias=node1.sandbox.test", "-p", "3022", f"{sbx['os_user']}@node1", "echo",
            "viaW"]
    r = run(argv)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "viaW\n"
    argv[argv.index(f"{sbx['os_user']}@node1")] = f"{sbx['os_user']}@nosuch"
    r = run(argv)
    assert r.returncode != 0
    assert "direct dialing to nodes not found in inventory is not supported" in r.stderr

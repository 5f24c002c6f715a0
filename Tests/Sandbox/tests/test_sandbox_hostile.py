"""The hostile-server modes (`up --hostile NAME`) do what they say, with the real OpenSSH
client, and leave nothing behind."""
import base64
import json
import os
import socket
import subprocess
import time

import pytest

from sandbox import hostile, procs, testing


def run(argv, timeout=30, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


def proxy_host_cert(state):
    """The proxy's host certificate as `ssh-keygen -L` prints it."""
    r = run(["ssh-keyscan", "-c", "-p", str(state["ssh_port"]), "127.0.0.1"])
    lines = [l.split() for l in r.stdout.splitlines() if "-cert-v01@openssh.com " in l]
    assert lines, r.stdout + r.stderr
    i = [n for n, w in enumerate(lines[0]) if w.endswith("-cert-v01@openssh.com")][0]
    typ, b64 = lines[0][i:i + 2]
    return run(["ssh-keygen", "-L", "-f", "-"], input=f"{typ} {b64}\n").stdout


def certs(state, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), state["suite"])
    u = state["users"]["alice"]
    status, resp = testing.get_certs(state, "alice", u["password"], None, keys.ssh_pub_line,
                                     keys.tls_pub_pem)
    return keys, status, resp


def test_default_has_no_hostile_mode(pool):
    s = pool.get(suite="balanced-v1")
    assert s["hostile"] is None
    assert testing.web_request(s, "GET", "/webapi/ping")[1]["cluster_name"] == "sandbox.test"


@pytest.mark.parametrize("mode", sorted(hostile.PROXY_CERT_MODES))
def test_proxy_host_cert_modes_are_refused_by_openssh(pool, tmp_path, mode):
    s = pool.get(suite="balanced-v1", hostile=mode)
    assert s["hostile"] == mode
    text = proxy_host_cert(s)
    host_ca_fp = run(["ssh-keygen", "-l", "-f", s["host_ca_pub"]]).stdout.split()[1]
    if mode == "proxy-cert-foreign-ca":
        assert host_ca_fp not in text
    elif mode == "proxy-cert-expired":
        assert host_ca_fp in text
        assert "forever" not in text
    else:
        assert host_ca_fp in text
        principals = text.split("Principals:")[1].split("Critical Options:")[0].split()
        assert principals == [f"{s['proxy_host_id']}.sandbox.test", s["proxy_host_id"]]
    r = run(testing.fresh_proxysites_argv(s, str(tmp_path)))
    assert r.returncode == 255
    assert "Host key verification failed" in r.stderr


def test_proxy_host_cert_mode_in_benchmark_mode(pool, tmp_path):
    s = pool.get(suite="balanced-v1", mode="sshd", hostile="proxy-cert-expired")
    r = run(testing.fresh_proxysites_argv(s, str(tmp_path)))
    assert r.returncode == 255
    assert "Host key verification failed" in r.stderr


def _silent(port):
    """True when the port accepts, reads what we send, and answers nothing for a second."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(b"SSH-2.0-probe\r\n")
        c.settimeout(1.0)
        try:
            c.recv(100)
        except socket.timeout:
            return True
        return False


@pytest.mark.parametrize("mode", sorted(hostile.SILENT_MODES))
def test_silent_modes_accept_and_say_nothing_and_stop_cleanly(tmp_path, mode):
    d = str(tmp_path / "sbx")
    os.makedirs(d)
    s = testing.up(d, parent_pid=os.getpid(), hostile=mode)
    try:
        port = s["web_port"] if mode == "silent-web" else s["ssh_port"]
        other = s["ssh_port"] if mode == "silent-web" else s["web_port"]
        assert _silent(port)
        # The other side works as usual.
        if mode == "silent-ssh":
            assert testing.web_request(s, "GET", "/webapi/ping")[0] == 200
        else:
            with socket.create_connection(("127.0.0.1", other), timeout=5) as c:
                assert c.recv(8).startswith(b"SSH-2.0-")
        held = socket.create_connection(("127.0.0.1", port), timeout=5)
    finally:
        t0 = time.time()
        testing.down(d)
    assert time.time() - t0 < 5
    assert not procs.alive(s["supervisor_pid"])
    assert held.recv(10) == b""  # the held connection was closed, not left behind
    held.close()


@pytest.mark.parametrize("where,kind", [("cluster-name", k) for k in sorted(hostile.CLUSTER_NAME_VALUES)]
                         + [("signer-domain", "newline"), ("ping-cluster-name", "newline")])
def test_cluster_name_modes(pool, tmp_path, where, kind):
    s = pool.get(suite="balanced-v1", hostile=f"{where}-{kind}")
    value = hostile.CLUSTER_NAME_VALUES[kind]
    ping = testing.web_request(s, "GET", "/webapi/ping")[1]["cluster_name"]
    find = testing.web_request(s, "GET", "/webapi/find")[1]["cluster_name"]
    _, status, resp = certs(s, tmp_path)
    assert status == 200
    domain = resp["host_signers"][0]["domain_name"]
    assert ping == find == (value if where != "signer-domain" else "sandbox.test")
    assert domain == (value if where != "ping-cluster-name" else "sandbox.test")


@pytest.mark.parametrize("mode", sorted(hostile.LOGIN_MODES))
def test_login_response_modes(pool, tmp_path, mode):
    s = pool.get(suite="balanced-v1", hostile=mode)
    keys = testing.ClientKeys.generate(str(tmp_path), "balanced-v1")
    if mode in ("body-50mb", "body-truncated"):
        import ssl
        import urllib.request
        u = s["users"]["alice"]
        body = json.dumps({"user": "alice", "password": u["password"],
                           "ssh_pub_key": base64.b64encode(keys.ssh_pub_line.encode()).decode(),
                           "tls_pub_key": base64.b64encode(keys.tls_pub_pem).decode()}).encode()
        req = urllib.request.Request(f"https://{s['web_addr']}/webapi/ssh/certs", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ssl.create_default_context(
                cafile=s["web_ca_pem"]), timeout=60) as r:
            raw = r.read()
        if mode == "body-50mb":
            assert len(raw) == hostile.BIG_BODY_BYTES
            assert json.loads(raw)["username"] == "alice"
        else:
            with pytest.raises(ValueError):
                json.loads(raw)
            assert raw.startswith(b'{"username":"alice"')
        return
    u = s["users"]["alice"]
    status, resp = testing.get_certs(s, "alice", u["password"], None, keys.ssh_pub_line,
                                     keys.tls_pub_pem)
    assert status == 200
    if mode in hostile.USERNAME_VALUES:
        assert resp["username"] == hostile.USERNAME_VALUES[mode]
        return
    if mode == "body-wrong-type":
        assert resp["cert"] == 12345
        return
    if mode == "body-bad-base64":
        with pytest.raises(ValueError):
            base64.b64decode(resp["cert"], validate=True)
        return
    if mode == "host-ca-is-cert":
        lines = [base64.b64decode(k).decode() for k in resp["host_signers"][0]["checking_keys"]]
        assert lines[0].startswith("ssh-ed25519 ")
        assert lines[1].startswith("ssh-ed25519-cert-v01@openssh.com ")
        return
    if mode == "tls-cert-wrong-key":
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        cert = x509.load_pem_x509_certificate(base64.b64decode(resp["tls_cert"]))
        spki = cert.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        assert spki != keys.tls_pub_pem
        return
    cert = tmp_path / "c-cert.pub"
    cert.write_bytes(base64.b64decode(resp["cert"]))
    text = run(["ssh-keygen", "-L", "-f", str(cert)]).stdout
    key_fp = run(["ssh-keygen", "-l", "-f", keys.ssh_key_path + ".pub"]).stdout.split()[1]
    if mode == "user-cert-wrong-key":
        assert key_fp not in text
    else:
        assert mode == "user-cert-expired"
        assert key_fp in text
        valid_to = text.split("Valid: from ")[1].split(" to ")[1].split()[0]
        assert time.strptime(valid_to, "%Y-%m-%dT%H:%M:%S") < time.localtime(time.time() - 3000)

"""tsh proxy ssh as OpenSSH's ProxyCommand, end to end with the real ssh."""
import concurrent.futures
import hashlib
import os
import pathlib
import re
import shlex
import subprocess
import time

import pexpect
import pytest

from conftest import Tsh, running_sandbox
from test_login import fetch_certs


@pytest.fixture(scope="module")
def session(tsh_bin, sandbox, tmp_path_factory):
    """One login and one rendered config shared by this module's tests."""
    t = Tsh(tsh_bin, tmp_path_factory.mktemp("proxy") / "home", sandbox)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    config = t.home.parent / "ssh_config"
    r = t.run("config", "-l", sandbox["os_user"])
    assert r.returncode == 0, r.stderr
    config.write_text(r.stdout)
    t.config = config
    yield t
    stop_masters(t.home)


def stop_masters(home: pathlib.Path):
    mux = home / "mux"
    if mux.exists():
        for sock in mux.iterdir():
            subprocess.run(["ssh", "-F", "none", "-o", f"ControlPath={sock}", "-O", "exit", "x"],
                           capture_output=True, timeout=10)


def ssh(t, *args, input=None, timeout=120, env=None):
    return subprocess.run(["ssh", "-F", str(t.config), *args], input=input, capture_output=True,
                          timeout=timeout, env=t.env(**(env or {})))


def node(t, name="node1", cluster=None):
    return f"{t.state['os_user']}@{name}.{cluster or t.state['cluster']}"


def test_the_config_from_tsh_config_reaches_node1(session):
    r = ssh(session, node(session), "echo", "hello")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"hello\n"


def test_routing_to_a_leaf_cluster_node(session, tmp_path):
    leaf = session.state["leaf_cluster"]
    r = session.run("clusters")
    assert r.returncode == 0, r.stderr
    assert leaf in r.stdout
    # The proxy routes to the leaf node: its SSH version line comes back.
    leg = subprocess.run([session.binary, "proxy", "ssh", f"--cluster={leaf}",
                          f"--proxy={session.state['web_addr']}", f"{node(session, 'leafnode1', leaf)}:3022"],
                         input=b"", capture_output=True, timeout=30, env=session.env())
    assert leg.stdout.startswith(b"SSH-2.0-OpenSSH"), leg.stderr
    # Login wrote the leaf's host CA (from the root's auth server): OpenSSH checks
    # the leaf node's host certificate with the profile's known_hosts alone.
    r = subprocess.run(["ssh", "-F", str(session.config), "-o", "StrictHostKeyChecking=yes",
                        node(session, "leafnode1", leaf), "echo", "leaf"],
                       capture_output=True, timeout=60, env=session.env())
    assert (r.returncode, r.stdout) == (0, b"leaf\n"), r.stderr


def test_scp_and_sftp_through_the_proxy_command(session, tmp_path):
    src = tmp_path / "up.bin"
    src.write_bytes(os.urandom(1 << 20))
    dest = f"{node(session)}:{tmp_path}/remote.bin"
    r = subprocess.run(["scp", "-F", str(session.config), str(src), dest], capture_output=True, timeout=60,
                       env=session.env())
    assert r.returncode == 0, r.stderr
    back = tmp_path / "back.bin"
    r = subprocess.run(["scp", "-F", str(session.config), dest, str(back)], capture_output=True, timeout=60,
                       env=session.env())
    assert r.returncode == 0, r.stderr
    assert back.read_bytes() == src.read_bytes()

    batch = f"put {src} {tmp_path}/sftp.bin\nget {tmp_path}/sftp.bin {tmp_path}/sftp-back.bin\n"
    r = subprocess.run(["sftp", "-F", str(session.config), "-b", "-", node(session)], input=batch.encode(),
                       capture_output=True, timeout=60, env=session.env())
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sftp-back.bin").read_bytes() == src.read_bytes()


def test_256_mib_up_and_down_arrive_intact(session, tmp_path):
    size = 256 << 20
    blob = tmp_path / "big.bin"
    with open(blob, "wb") as f:
        for _ in range(size >> 20):
            f.write(os.urandom(1 << 20))
    want = hashlib.sha256(blob.read_bytes()).hexdigest()
    with open(blob, "rb") as f:
        r = subprocess.run(["ssh", "-F", str(session.config), node(session), "sha256sum"], stdin=f,
                           capture_output=True, timeout=300, env=session.env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0].decode() == want, "upload"
    r = subprocess.run(["ssh", "-F", str(session.config), node(session), "cat", str(blob)],
                       capture_output=True, timeout=300, env=session.env())
    assert r.returncode == 0, r.stderr[-500:]
    assert len(r.stdout) == size
    assert hashlib.sha256(r.stdout).hexdigest() == want, "download"


def test_an_unknown_node_is_explained_every_time(session):
    for _ in range(20):
        r = ssh(session, node(session, "nosuchnode"), "true", timeout=60)
        assert r.returncode != 0
        text = r.stderr.decode()
        assert "ERROR: the proxy refused \"nosuchnode\" (port 3022) in cluster \"sandbox.test\"" in text, text
        assert ("direct dialing to nodes not found in inventory is not supported" in text
                or "no node of that name is in the cluster's inventory" in text), text
        assert "case-sensitive" in text
        assert r.stdout == b""


def test_an_unknown_cluster_names_the_known_ones(session):
    r = subprocess.run([session.binary, "proxy", "ssh", "--cluster=nosuch.test",
                        f"--proxy={session.state['web_addr']}", "root@node1:3022"],
                       input=b"", capture_output=True, timeout=60, env=session.env())
    assert r.returncode == 1
    text = r.stderr.decode()
    assert text.startswith("ERROR: the proxy refused \"node1\" (port 3022) in cluster \"nosuch.test\"")
    assert "the proxy knows the clusters: sandbox.test, leaf.test" in text
    assert r.stdout == b""


@pytest.mark.parametrize("target", [
    "root@node1;reboot", "root@node1 -oProxyCommand=x", "root@-oProxyCommand=x", "evil\nroot@node1",
    "root@node1:0", "root@node1:99999", "ro ot@node1", "root@no$de1", "",
])
def test_an_invalid_target_is_refused_before_anything_runs(session, target):
    r = subprocess.run([session.binary, "proxy", "ssh", "--dry-run", target], capture_output=True, text=True,
                       env=session.env(TSH_SSH="/bin/false"), timeout=30)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("ERROR: ")


def test_dry_run_prints_the_fixed_argument_vector(session):
    r = session.run("proxy", "ssh", "--dry-run", "--transport=openssh", f"--proxy={session.state['web_addr']}",
                    "--cluster=sandbox.test", "root@node1.sandbox.test:3022", env={"TSH_SSH": "/usr/bin/ssh"})
    assert r.returncode == 0, r.stderr
    home = session.home
    key = f"{home}/keys/localhost/alice"
    assert r.stdout.startswith("# transport: openssh (--transport=openssh)\n")
    assert shlex.split(r.stdout, comments=True) == [
        "/usr/bin/ssh", "-F", "none", "-p", str(session.state["ssh_port"]), "-l", "root",
        "-o", f'UserKnownHostsFile="{home}/known_hosts"', "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "HostKeyAlias=localhost",
        "-o", f'IdentityFile="{key}"', "-o", f'CertificateFile="{key}-ssh/sandbox.test-cert.pub"',
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ForwardAgent=no", "-o", "ForwardX11=no",
        "-o", "ClearAllForwardings=yes", "-o", "ConnectTimeout=30", "-T", "-e", "none",
        "-s", "localhost", "proxy:node1:3022@sandbox.test"]
    # The login falls back to -l, then the profile user; the host suffixes are stripped.
    r = session.run("proxy", "ssh", "--dry-run", "-l", "ops", "node2.localhost")
    assert "-l ops" in r.stdout and r.stdout.rstrip().endswith("proxy:node2:3022@sandbox.test")
    r = session.run("proxy", "ssh", "--dry-run", "node2")
    assert "-l alice" in r.stdout


def test_nothing_but_relayed_bytes_reaches_stdout(session):
    r = subprocess.run([session.binary, "proxy", "ssh", f"--proxy={session.state['web_addr']}",
                        "root@node1:3022"], input=b"", capture_output=True, timeout=30, env=session.env())
    assert re.fullmatch(rb"SSH-2\.0-OpenSSH_\S+( .*)?\r\n.*", r.stdout, re.S), r.stdout[:200]


def test_a_wrong_host_ca_is_refused(session, tmp_path):
    kh = tmp_path / "known_hosts"
    wrong = tmp_path / "wrongca"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(wrong)], check=True)
    k = wrong.with_suffix(".pub").read_text().split()
    (session.home / "known_hosts").rename(kh)
    try:
        (session.home / "known_hosts").write_text(
            f"@cert-authority localhost,sandbox.test,*.sandbox.test {k[0]} {k[1]} type=host\n")
        # The proxy's SSH host key is checked by the OpenSSH leg (the gRPC
        # leg checks its TLS certificate instead: test_transport.py).
        r = ssh(session, node(session), "true", timeout=60)
        leg = subprocess.run([session.binary, "proxy", "ssh", "--transport=openssh", "root@node1:3022"],
                             input=b"", capture_output=True, timeout=60, env=session.env())
        assert r.returncode == 255
        assert b"Host key verification failed" in r.stderr
        assert leg.returncode == 1
        assert b"tsh never trusts a host key on first use" in leg.stderr
    finally:
        kh.rename(session.home / "known_hosts")


def test_a_plain_host_key_on_the_proxy_is_refused(tsh_bin, tmp_path):
    with running_sandbox(tmp_path / "plain", "--proxy-host-key", "plain") as state:
        t = Tsh(tsh_bin, tmp_path / "home", state)
        assert t.login("alice").returncode == 0
        r = subprocess.run([tsh_bin, "proxy", "ssh", "--transport=openssh", f"{state['os_user']}@node1:3022"],
                           input=b"", capture_output=True, timeout=60, env=t.env())
        assert r.returncode != 0
        assert r.stdout == b""
        assert b"Host key verification failed" in r.stderr or b"no matching host key type" in r.stderr


def expire_certificate(t: Tsh):
    """Replaces the profile's key and certificate with a pair valid for one second."""
    keys = t.home / "keys" / "localhost"
    for f in ("alice", "alice.pub"):
        (keys / f).unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(keys / "alice")], check=True)
    tls_pub = subprocess.run(["openssl", "pkey", "-pubout", "-in", str(keys / "alice.key")],
                             capture_output=True, text=True, check=True).stdout
    import base64
    import json
    import ssl
    import urllib.request
    body = json.dumps({"user": "alice", "password": t.state["users"]["alice"]["password"],
                       "ssh_pub_key": base64.b64encode((keys / "alice.pub").read_bytes()).decode(),
                       "tls_pub_key": base64.b64encode(tls_pub.encode()).decode(), "ttl": 10**9}).encode()
    req = urllib.request.Request(f"https://{t.state['web_addr']}/webapi/ssh/certs", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=t.state["web_ca_pem"])) as resp:
        cert = base64.b64decode(json.load(resp)["cert"])
    (keys / "alice-ssh" / "sandbox.test-cert.pub").write_bytes(cert)
    time.sleep(2.1)


def test_an_expired_certificate_without_a_terminal_says_how_to_fix_it(tsh):
    assert tsh.login("alice").returncode == 0
    expire_certificate(tsh)
    r = subprocess.run(["setsid", tsh.binary, "proxy", "ssh", "root@node1:3022"], input=b"",
                       capture_output=True, timeout=30, env=tsh.env())
    assert r.returncode == 1
    assert re.match(rb"ERROR: your certificate for localhost expired at \d{4}-\d\d-\d\d .*; "
                    rb"run 'tsh login --proxy=localhost'\n$", r.stderr), r.stderr
    assert r.stdout == b""


def test_an_expired_certificate_is_renewed_on_the_terminal(tsh, tmp_path):
    assert tsh.login("alice").returncode == 0
    config = tmp_path / "config"
    config.write_text(tsh.run("config", "-l", tsh.state["os_user"]).stdout)
    expire_certificate(tsh)
    child = pexpect.spawn("ssh", ["-F", str(config), f"{tsh.state['os_user']}@node1.sandbox.test", "echo", "renewed"],
                          env=tsh.env(), timeout=60)
    try:
        child.expect_exact("Enter password for Teleport user alice:")
        child.sendline(tsh.state["users"]["alice"]["password"])
        # alice has no OTP device: the MFA challenge asks for none, so no prompt.
        # OpenSSH loaded the expired certificate before tsh could replace it.
        child.expect_exact("run your command again")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 255
    status = tsh.run("status")
    assert "[valid for 1" in status.stdout
    r = subprocess.run(["ssh", "-F", str(config), f"{tsh.state['os_user']}@node1.sandbox.test", "echo", "renewed"],
                       capture_output=True, timeout=60, env=tsh.env(), stdin=subprocess.DEVNULL)
    assert (r.returncode, r.stdout) == (0, b"renewed\n"), r.stderr


@pytest.fixture(scope="module")
def sshd_proxy(tsh_bin, tmp_path_factory):
    """The benchmark mode: a real sshd with default limits plays the proxy."""
    base = tmp_path_factory.mktemp("sshd-proxy")
    with running_sandbox(base / "sandbox", "--mode", "sshd") as state:
        t = Tsh(tsh_bin, base / "home", state)
        assert t.login("alice").returncode == 0
        yield t
        stop_masters(t.home)


def fan_out(t, config, n=50):
    def one(i):
        return subprocess.run(["ssh", "-F", str(config), f"{t.state['os_user']}@node1.{t.state['cluster']}",
                               "echo", str(i)], capture_output=True, timeout=180, env=t.env())
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_fifty_parallel_connections_all_succeed_with_multiplexing(sshd_proxy, tmp_path):
    t = sshd_proxy
    config = tmp_path / "config"
    text = t.run("config", "-l", t.state["os_user"]).stdout
    config.write_text(text.replace(" proxy ssh ", " proxy ssh --multiplex "))
    results = fan_out(t, config)
    failures = [r.stderr.decode()[-300:] for r in results if r.returncode != 0]
    assert failures == []
    assert sorted(int(r.stdout) for r in results) == list(range(50))
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" or p.is_socket() for p in (t.home / "mux").iterdir())
    assert oct((t.home / "mux").stat().st_mode & 0o777) == "0o700"

"""tsh proxy ssh over Teleport's gRPC TransportService, end to end with the
real ssh, scp and sftp: on the SSH port (TLS detected there), on a TLS-routing
port, and through the WebSocket connection upgrade of an L7 load balancer."""
import hashlib
import os
import shlex
import signal
import subprocess
import time

import pytest

from conftest import Tsh, running_sandbox

# How each sandbox is started, and what login must store.
MODES = {
    "ssh-port": ([], False, False),
    "tls-routing": (["--tls-routing"], True, False),
    "conn-upgrade": (["--conn-upgrade"], True, True),
}


def prepare(tsh_bin, state, home):
    t = Tsh(tsh_bin, home, state)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    r = t.run("config", "-l", state["os_user"])
    assert r.returncode == 0, r.stderr
    t.config = home.parent / "ssh_config"
    t.config.write_text(r.stdout)
    return t


@pytest.fixture(scope="module", params=sorted(MODES))
def routed(request, tsh_bin, tmp_path_factory):
    flags, routing, upgrade = MODES[request.param]
    with running_sandbox(tmp_path_factory.mktemp(f"sbx-{request.param}"), *flags) as state:
        t = prepare(tsh_bin, state, tmp_path_factory.mktemp(request.param) / "home")
        t.mode, t.routing, t.upgrade = request.param, routing, upgrade
        yield t


def ssh(t, *args, input=None, timeout=180, env=None, stdin=None):
    return subprocess.run(["ssh", "-F", str(t.config), *args], input=input, stdin=stdin,
                          capture_output=True, timeout=timeout, env=t.env(**(env or {})))


def node(t, name="node1"):
    return f"{t.state['os_user']}@{name}.{t.state['cluster']}"


def profile_yaml(t):
    return (t.home / "localhost.yaml").read_text()


def test_login_stores_what_the_proxy_offers(routed):
    text = profile_yaml(routed)
    assert f"tls_routing_enabled: {str(routed.routing).lower()}\n" in text
    assert f"tls_routing_conn_upgrade_required: {str(routed.upgrade).lower()}\n" in text


def test_dry_run_says_grpc_and_why(routed):
    r = routed.run("proxy", "ssh", "--dry-run", "root@node1:3022")
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("# transport: grpc, TransportService ProxySSH to localhost:")
    assert "ALPN teleport-proxy-ssh-grpc,h2" in first
    assert "server name 73616e64626f782e74657374.teleport.cluster.local" in first
    assert ("(TLS routing: the web address" in first) == routed.routing
    assert ("(no TLS routing: TLS to the SSH port" in first) == (not routed.routing)
    assert ("connection upgrade" in first) == routed.upgrade
    # The OpenSSH leg is what would run if the proxy did not offer gRPC.
    argv = shlex.split(r.stdout, comments=True)
    assert argv[-1] == "proxy:node1:3022@sandbox.test"


def test_echo_through_grpc(routed):
    r = ssh(routed, node(routed), "echo", "hello")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"hello\n"


def test_the_native_leg_relays_raw_ssh_bytes(routed):
    leg = subprocess.run([routed.binary, "proxy", "ssh", "--transport=grpc", "root@node1:3022"],
                         input=b"", capture_output=True, timeout=30, env=routed.env())
    assert leg.returncode == 0, leg.stderr
    assert leg.stdout.startswith(b"SSH-2.0-OpenSSH"), leg.stdout[:100]


def test_scp_and_sftp(routed, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 << 20))
    remote = tmp_path / "remote.bin"
    r = subprocess.run(["scp", "-q", "-F", str(routed.config), str(src), f"{node(routed)}:{remote}"],
                       capture_output=True, timeout=120, env=routed.env())
    assert r.returncode == 0, r.stderr
    back = tmp_path / "back.bin"
    batch = tmp_path / "batch"
    batch.write_text(f"get {remote} {back}\n")
    r = subprocess.run(["sftp", "-q", "-F", str(routed.config), "-b", str(batch), node(routed)],
                       capture_output=True, timeout=120, env=routed.env())
    assert r.returncode == 0, r.stderr
    assert back.read_bytes() == src.read_bytes()


def test_256_mib_each_way_with_equal_sha256(routed, tmp_path):
    size = 256 << 20
    data = tmp_path / "big.bin"
    with open(data, "wb") as f:
        for _ in range(size >> 20):
            f.write(os.urandom(1 << 20))
    want = hashlib.sha256(data.read_bytes()).hexdigest()
    remote = tmp_path / "remote-big.bin"
    with open(data, "rb") as f:
        r = ssh(routed, node(routed), f"cat > {remote}", stdin=f)
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(remote.read_bytes()).hexdigest() == want
    r = ssh(routed, node(routed), f"cat {remote}")
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(r.stdout).hexdigest() == want
    remote.unlink()


def test_stdin_eof_completes_the_remote_command(routed, tmp_path):
    data = tmp_path / "small.txt"
    data.write_bytes(b"line\n" * 1000)
    remote = tmp_path / "copy.txt"
    with open(data, "rb") as f:
        r = ssh(routed, node(routed), f"cat > {remote}", stdin=f)
    assert r.returncode == 0, r.stderr
    assert remote.read_bytes() == data.read_bytes()


def test_an_unknown_node_is_explained_every_time(routed):
    for _ in range(20):
        r = ssh(routed, node(routed, "nosuchnode"), "true", timeout=60)
        assert r.returncode == 255
        err = r.stderr.decode()
        assert 'ERROR: the proxy refused "nosuchnode" (port 3022) in cluster "sandbox.test": ' in err, err
        assert "direct dialing to nodes not found in inventory is not supported" in err, err


def test_an_unknown_cluster_is_explained(routed):
    r = routed.run("proxy", "ssh", "--transport=grpc", "--cluster=nope.test", "root@node1:3022", input="")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: the proxy refused \"node1\" (port 3022) in cluster \"nope.test\": "), r.stderr
    assert "nope.test" in r.stderr.splitlines()[0]


def test_a_foreign_client_certificate_is_refused_clearly(routed, tmp_path):
    home = routed.home.parent / "foreign-home"
    subprocess.run(["cp", "-a", str(routed.home), str(home)], check=True)
    keys = home / "keys" / "localhost"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-subj", "/CN=alice", "-days", "1", "-keyout", str(keys / "alice.key"),
                    "-out", str(keys / "alice.crt")], check=True, capture_output=True)
    t = Tsh(routed.binary, home, routed.state)
    r = t.run("proxy", "ssh", "--transport=grpc", "root@node1:3022", input="")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: the proxy localhost:"), r.stderr
    assert "refused your certificate" in r.stderr
    assert "tsh login --proxy=localhost" in r.stderr


def test_killing_ssh_leaves_no_tsh_behind(routed):
    p = subprocess.Popen(["ssh", "-F", str(routed.config), node(routed), "sleep", "60"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=routed.env())
    try:
        deadline = time.time() + 20
        child = None
        while time.time() < deadline and child is None:
            out = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
            child = int(out[0]) if out else None
            time.sleep(0.1)
        assert child is not None, "ssh started no ProxyCommand"
        time.sleep(1)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        deadline = time.time() + 10
        while time.time() < deadline and os.path.exists(f"/proc/{child}"):
            time.sleep(0.1)
        alive = os.path.exists(f"/proc/{child}") and "Z" not in open(f"/proc/{child}/stat").read().split()[2]
        assert not alive, "tsh outlived ssh"
    finally:
        if p.poll() is None:
            p.kill()


@pytest.mark.parametrize("flags", [["--no-grpc-transport"], ["--no-grpc-transport", "--tls-routing"]],
                         ids=["ssh-port", "tls-routing"])
def test_an_old_proxy_falls_back_to_the_openssh_leg(flags, tsh_bin, tmp_path):
    with running_sandbox(tmp_path / "sbx", *flags) as state:
        t = prepare(tsh_bin, state, tmp_path / "home")
        r = ssh(t, node(t), "echo", "fallback")
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"fallback\n"
        # Forcing gRPC says so clearly instead.
        r = t.run("proxy", "ssh", "--transport=grpc", "root@node1:3022", input="")
        assert r.returncode == 1
        assert "does not offer the gRPC transport" in r.stderr, r.stderr
        # tsh clusters reaches the proxy's SSH service too (inside TLS with routing).
        r = t.run("clusters")
        assert r.returncode == 0, r.stderr
        assert "leaf.test" in r.stdout


def test_a_proxy_certificate_from_another_ca_is_refused(tsh_bin, tmp_path):
    with running_sandbox(tmp_path / "sbx", "--tls-routing", "--hostile", "proxy-tls-cert-foreign-ca") as state:
        t = prepare(tsh_bin, state, tmp_path / "home")
        r = t.run("proxy", "ssh", "--transport=grpc", "root@node1:3022", input="")
        assert r.returncode == 1
        assert "did not present a TLS certificate signed by the host CA of sandbox.test" in r.stderr, r.stderr
        assert r.stdout == ""

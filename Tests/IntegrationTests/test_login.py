"""tsh login, status and logout against the sandbox, with the real ssh."""
import concurrent.futures
import json
import os
import pathlib
import re
import socket
import stat
import subprocess
import threading
import time

import pexpect
import pytest

from conftest import Tsh, snapshot
from sandbox.crypto import totp
from sandbox.login_testing import fresh_totp


def ssh_keygen(*args):
    return subprocess.run(["ssh-keygen", *args], capture_output=True, text=True, check=True).stdout


def fingerprint_of_cert(cert_path):
    out = ssh_keygen("-L", "-f", str(cert_path))
    return re.search(r"Public key: \S+ (SHA256:\S+)", out).group(1)


def fingerprint_of_key(pub_path):
    return ssh_keygen("-l", "-f", str(pub_path)).split()[1]


def ssh_through_proxy(state, home, user_key, cert, node="node1", cluster=None, command="echo hello"):
    """The seed's raw ProxyCommand, with the files tsh wrote."""
    cluster = cluster or state["cluster"]
    kh = home / "known_hosts"
    common = ["-F", "none", "-o", f"UserKnownHostsFile={kh}", "-o", "GlobalKnownHostsFile=/dev/null",
              "-o", "StrictHostKeyChecking=yes", "-o", f"IdentityFile={user_key}",
              "-o", f"CertificateFile={cert}", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
    proxy = " ".join(["ssh", *common, "-p", str(state["ssh_port"]), "-l", state["os_user"],
                      "-o", "HostKeyAlias=localhost", "-s", "localhost",
                      f"proxy:{node}:3022@{cluster}"])
    return subprocess.run(["ssh", *common, "-o", f"ProxyCommand={proxy}",
                           f"{state['os_user']}@{node}.{cluster}", command],
                          capture_output=True, text=True, timeout=60)


def assert_private_tree(root: pathlib.Path):
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            assert mode == 0o700, f"{path} is {oct(mode)}"
        else:
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


@pytest.mark.parametrize("suite", ["balanced-v1", "legacy"])
def test_login_writes_the_profile_directory_as_real_tsh_does(suite, tsh_bin, sandbox, legacy_sandbox, tmp_path):
    state = sandbox if suite == "balanced-v1" else legacy_sandbox
    t = Tsh(tsh_bin, tmp_path / "home", state)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    home = t.home
    keys = home / "keys" / "localhost"
    cluster = state["cluster"]

    assert (home / "current-profile").read_text() == "localhost\n"
    assert (home / "localhost.yaml").read_text() == (
        f"web_proxy_addr: localhost:{state['web_port']}\n"
        f"ssh_proxy_addr: localhost:{state['ssh_port']}\n"
        "user: alice\n"
        f"cluster: {cluster}\n"
        'dir: ""\n'
        "tls_routing_enabled: false\n"
        "tls_routing_conn_upgrade_required: false\n"
        "auth_connector: local\n"
        "load_all_cas: false\n"
        "private_key_policy: none\n"
        'piv_slot: ""\n'
        "missingclusterdetails: false\n"
        "saml_slo_enabled: false\n"
        "ssh_dial_timeout: 30s\n")

    key = (keys / "alice").read_text()
    pub = (keys / "alice.pub").read_text()
    tls_key = (keys / "alice.key").read_text()
    if suite == "legacy":
        assert key.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
        assert pub.startswith("ssh-rsa ")
        assert tls_key.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    else:
        assert key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        assert pub.startswith("ssh-ed25519 ")
        assert tls_key.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert pub.endswith("\n") and len(pub.split()) == 2, "no comment in .pub"
    # OpenSSH reads the private key, and it is the key of the .pub.
    assert ssh_keygen("-y", "-f", str(keys / "alice")).split()[:2] == pub.split()

    cert = keys / "alice-ssh" / f"{cluster}-cert.pub"
    assert fingerprint_of_cert(cert) == fingerprint_of_key(keys / "alice.pub")
    assert (keys / "alice.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")
    tls_pub = subprocess.run(["openssl", "pkey", "-pubout", "-in", str(keys / "alice.key")],
                             capture_output=True, text=True, check=True).stdout
    crt_pub = subprocess.run(["openssl", "x509", "-noout", "-pubkey", "-in", str(keys / "alice.crt")],
                             capture_output=True, text=True, check=True).stdout
    assert tls_pub == crt_pub, "the TLS certificate is for the TLS key"
    assert (keys / "cas" / f"{cluster}.pem").read_text() == pathlib.Path(state["tls_ca_pem"]).read_text()

    host_ca = pathlib.Path(state["host_ca_pub"]).read_text().split()
    leaf, leaf_ca = state["leaf_cluster"], pathlib.Path(state["leaf_host_ca_pub"]).read_text().split()
    # The root's CA from the login response, then its leaf's from the auth API.
    assert (home / "known_hosts").read_text() == (
        f"@cert-authority localhost,{cluster},*.{cluster} {host_ca[0]} {host_ca[1]} type=host\n"
        f"@cert-authority localhost,{leaf},*.{leaf} {leaf_ca[0]} {leaf_ca[1]} type=host\n")
    assert_private_tree(home)

    # The real ssh logs in with what tsh wrote.
    r = ssh_through_proxy(state, home, keys / "alice", cert)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello\n"


def test_login_prints_the_status_and_status_reads_it_back(tsh):
    r = tsh.login("alice")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"> Profile URL:        https://{tsh.state['web_addr']}\n")
    assert "  Logged in as:       alice\n" in r.stdout
    assert re.search(r"  Valid until:        .* \[valid for 1[12]h\d+m0s\]\n", r.stdout)
    assert "  Logins:             root, ubuntu\n" in r.stdout, "internal logins hidden"
    assert "  Roles:              access, editor\n" in r.stdout

    status = tsh.run("status")
    assert status.returncode == 0
    assert status.stdout == r.stdout.replace(re.search(r"valid for [^\]]+", r.stdout).group(0),
                                             re.search(r"valid for [^\]]+", status.stdout).group(0))

    data = json.loads(tsh.run("status", "--format", "json").stdout)
    assert data["active"]["username"] == "alice"
    assert data["active"]["cluster"] == tsh.state["cluster"]
    assert data["active"]["logins"] == ["root", "ubuntu"]
    assert data["profiles"] == []
    assert "active:\n  cluster: sandbox.test\n" in tsh.run("status", "--format", "yaml").stdout


def test_status_without_a_profile_says_not_logged_in(tsh):
    r = tsh.run("status")
    assert r.returncode == 1
    assert r.stderr == "ERROR: Not logged in.\n"
    assert r.stdout == ""


def test_a_wrong_password_fails_with_teleports_message_and_keeps_the_profile(tsh):
    assert tsh.login("alice").returncode == 0
    before = snapshot(tsh.home)
    r = tsh.login("alice", password="wrong")
    assert r.returncode == 1
    # /webapi/mfa/login/begin obscures every failure (lib/web/apiserver.go mfaLoginBegin).
    assert r.stderr.startswith("ERROR: invalid credentials")
    assert r.stdout == ""
    assert snapshot(tsh.home) == before


def test_otp_user_logs_in_with_otp_flag(tsh):
    # One code per step and user for the whole run: the sandbox is shared, and
    # Teleport refuses a code already used.
    r = tsh.login("bob", f"--otp={fresh_totp(tsh.state, 'bob')}")
    assert r.returncode == 0, r.stderr
    assert "Logged in as:       bob" in r.stdout
    r = tsh.login("bob", "--otp=000000")
    assert r.returncode == 1 and r.stderr.startswith("ERROR: ")


def test_password_and_otp_are_prompted_on_the_terminal_with_echo_off(tsh):
    state = tsh.state
    bob = state["users"]["bob"]
    child = pexpect.spawn(tsh.binary, ["login", f"--proxy={state['web_addr']}", "--user=bob"],
                          env=tsh.env(), encoding="utf-8", timeout=30)
    try:
        child.expect_exact("Enter password for Teleport user bob:")
        child.sendline(bob["password"])
        child.expect_exact("Enter an OTP code from a device")
        # Teleport refuses a code already used: one not used yet in this run.
        child.sendline(fresh_totp(state, "bob"))
        child.expect(pexpect.EOF)
        transcript = child.before
    finally:
        child.close()
    assert child.exitstatus == 0, transcript
    assert bob["password"] not in transcript, "the password was echoed"
    assert "Logged in as:       bob" in transcript


def test_proxy_forms_and_the_ssh_port_override(tsh):
    web = tsh.state["web_addr"]
    r = tsh.run("login", f"--proxy=https://{web}/", "--user=alice", "--password-stdin",
                input=tsh.state["users"]["alice"]["password"] + "\n")
    assert r.returncode == 0, r.stderr
    r = tsh.run("login", f"--proxy={web},2222", "--user=alice", "--password-stdin",
                input=tsh.state["users"]["alice"]["password"] + "\n")
    assert r.returncode == 0, r.stderr
    assert "ssh_proxy_addr: localhost:2222\n" in (tsh.home / "localhost.yaml").read_text()


def test_environment_names_the_proxy_and_user(tsh):
    r = tsh.run("login", "--password-stdin", input=tsh.state["users"]["alice"]["password"] + "\n",
                env={"TELEPORT_PROXY": tsh.state["web_addr"], "TELEPORT_USER": "alice"})
    assert r.returncode == 0, r.stderr
    assert "Logged in as:       alice" in r.stdout


def test_login_to_a_leaf_cluster_routes_the_certificate_there(tsh):
    """As real tsh: `--cluster` goes to the proxy as RouteToCluster, and the profile selects it."""
    leaf = tsh.state["leaf_cluster"]
    r = tsh.login("alice", f"--cluster={leaf}")
    assert r.returncode == 0, r.stderr
    assert re.search(rf"^  Cluster:\s+{re.escape(leaf)}$", r.stdout, re.M), r.stdout
    assert f"cluster: {leaf}\n" in (tsh.home / "localhost.yaml").read_text()
    # The certificate is the root's (stored under the root's name), routed to the leaf.
    cert = tsh.home / "keys" / "localhost" / "alice-ssh" / f"{tsh.state['cluster']}-cert.pub"
    ext = re.search(r"teleport-route-to-cluster UNKNOWN OPTION: ([0-9a-f]+)", ssh_keygen("-L", "-f", str(cert)))
    assert ext, "no teleport-route-to-cluster extension"
    value = bytes.fromhex(ext.group(1))
    assert value[4:] == leaf.encode()  # an SSH string: 4-byte length, then the name


def test_login_to_an_unknown_cluster_fails_and_keeps_the_profile(tsh):
    assert tsh.login("alice").returncode == 0
    before = snapshot(tsh.home)
    r = tsh.login("alice", "--cluster=nosuch.test")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: cluster nosuch.test is not found"), r.stderr
    assert r.stdout == ""
    assert snapshot(tsh.home) == before


def test_ttl_is_in_minutes(tsh):
    r = tsh.login("alice", "--ttl=60")
    assert r.returncode == 0, r.stderr
    assert re.search(r"\[valid for (59m0s|1h0m0s)\]", r.stdout), r.stdout


def test_tls_is_verified_against_ssl_cert_file_or_dir(tsh, tmp_path):
    r = tsh.login("alice", env={"SSL_CERT_FILE": None})
    assert r.returncode == 1
    assert "not trusted" in r.stderr and "SSL_CERT_FILE" in r.stderr
    assert not tsh.home.exists() or not (tsh.home / "localhost.yaml").exists()

    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "sandbox.pem").write_text(pathlib.Path(tsh.state["web_ca_pem"]).read_text())
    subprocess.run(["openssl", "rehash", str(certs)], check=True)
    r = tsh.login("alice", env={"SSL_CERT_FILE": None, "SSL_CERT_DIR": str(certs)})
    assert r.returncode == 0, r.stderr


def test_insecure_skips_verification_with_a_warning(tsh):
    r = tsh.login("alice", "--insecure", env={"SSL_CERT_FILE": None})
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("WARNING: You are using insecure connection to Teleport proxy https://localhost:")


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on loopback that records what it tunnels."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def handle(self, client):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(4096)
            if not chunk:
                return
            data += chunk
        line = data.split(b"\r\n")[0].decode()
        self.requests.append(line)
        target = line.split()[1]
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection(("127.0.0.1", int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(a, b):
            try:
                while chunk := a.recv(65536):
                    b.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self):
        self.sock.close()


def test_https_proxy_and_no_proxy_are_honoured(tsh):
    proxy = ConnectProxy()
    try:
        url = f"http://127.0.0.1:{proxy.port}"
        r = tsh.login("alice", env={"HTTPS_PROXY": url, "NO_PROXY": None, "no_proxy": None})
        assert r.returncode == 0, r.stderr
        assert proxy.requests and all(req.startswith("CONNECT localhost:") for req in proxy.requests)
        seen = len(proxy.requests)
        r = tsh.login("alice", env={"HTTPS_PROXY": url, "NO_PROXY": "localhost"})
        assert r.returncode == 0, r.stderr
        assert len(proxy.requests) == seen, "NO_PROXY bypasses the proxy"
    finally:
        proxy.close()


def test_the_password_goes_nowhere_but_the_request(tsh):
    password = tsh.state["users"]["alice"]["password"]
    assert tsh.login("alice").returncode == 0
    for path in tsh.home.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path
    log = pathlib.Path(tsh.state["requests_log"]).read_text()
    assert password not in log


def fetch_certs(state, user, ssh_pub_line: str, tls_pub_pem: str) -> dict:
    """Calls /webapi/ssh/certs directly, as a real tsh would."""
    import base64
    import ssl
    import urllib.request
    body = json.dumps({
        "user": user, "password": state["users"][user]["password"],
        "ssh_pub_key": base64.b64encode(ssh_pub_line.encode()).decode(),
        "tls_pub_key": base64.b64encode(tls_pub_pem.encode()).decode(),
        "ttl": 3600 * 10**9}).encode()
    req = urllib.request.Request(f"https://{state['web_addr']}/webapi/ssh/certs", data=body,
                                 headers={"Content-Type": "application/json"})
    ctx = ssl.create_default_context(cafile=state["web_ca_pem"])
    with urllib.request.urlopen(req, context=ctx) as resp:
        return json.load(resp)


def make_real_tsh_home(home: pathlib.Path, state: dict, version: int, proxy="teleport.example.com", user="carol"):
    """A ~/.tsh as real tsh v16 or v17 lays it out (teleport-reference §2),
    with keys from ssh-keygen and openssl and a certificate from the sandbox."""
    import base64
    keys = home / "keys" / proxy
    (keys / f"{user}-ssh").mkdir(parents=True)
    (keys / "cas").mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(keys / user)], check=True)
    tls_key = keys / f"{user}.key"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(tls_key)], check=True, capture_output=True)
    tls_pub = subprocess.run(["openssl", "pkey", "-pubout", "-in", str(tls_key)],
                             capture_output=True, text=True, check=True).stdout
    pub = (keys / f"{user}.pub").read_text()
    # The sandbox knows alice and bob; carol's files carry alice's certificate.
    certs = fetch_certs(state, "alice", pub, tls_pub)
    cluster = "example.com"
    (keys / f"{user}-ssh" / f"{cluster}-cert.pub").write_bytes(base64.b64decode(certs["cert"]))
    tls_name = f"{user}.crt" if version >= 17 else f"{user}-x509.pem"
    (keys / tls_name).write_bytes(base64.b64decode(certs["tls_cert"]))
    if version < 17:
        tls_key.unlink()  # v16 used one key for SSH and TLS
    (keys / "cas" / f"{cluster}.pem").write_bytes(base64.b64decode(certs["host_signers"][0]["tls_certs"][0]))
    ca = base64.b64decode(certs["host_signers"][0]["checking_keys"][0]).decode().strip()
    (home / "known_hosts").write_text(f"@cert-authority {proxy},{cluster},*.{cluster} {ca} type=host\n")
    (home / f"{proxy}.yaml").write_text(
        f"web_proxy_addr: {proxy}:443\nssh_proxy_addr: {proxy}:3023\nuser: {user}\ncluster: {cluster}\n"
        'dir: ""\ntls_routing_enabled: false\nauth_connector: local\nload_all_cas: false\n'
        'private_key_policy: none\npiv_slot: ""\nmissingclusterdetails: false\n'
        + ("ssh_dial_timeout: 30s\n" if version >= 17 else ""))
    (home / "current-profile").write_text(proxy + "\n")
    for path in [home, *home.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


@pytest.mark.parametrize("version", [16, 17])
def test_reads_a_directory_written_by_real_tsh_and_keeps_it(version, tsh):
    make_real_tsh_home(tsh.home, tsh.state, version)
    r = tsh.run("status")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("> Profile URL:        https://teleport.example.com:443\n")
    assert "  Logged in as:       carol\n" in r.stdout
    assert "  Cluster:            example.com\n" in r.stdout

    theirs = {k: v for k, v in snapshot(tsh.home).items()
              if "teleport.example.com" in k}
    assert tsh.login("alice").returncode == 0
    after = snapshot(tsh.home)
    assert {k: v for k, v in after.items() if "teleport.example.com" in k} == theirs
    known_hosts = (tsh.home / "known_hosts").read_text().splitlines()
    assert known_hosts[0].startswith("@cert-authority teleport.example.com,example.com,*.example.com ")
    assert len(known_hosts) == 3  # theirs, then the sandbox's root and leaf
    status = tsh.run("status")
    assert status.stdout.startswith(f"> Profile URL:        https://{tsh.state['web_addr']}\n")
    assert "\n  Profile URL:        https://teleport.example.com:443\n" in status.stdout


def test_logout_messages_and_what_they_remove(tsh):
    r = tsh.run("logout")
    assert (r.returncode, r.stdout) == (0, "All users logged out.\n")

    assert tsh.login("alice").returncode == 0
    (tsh.home / "config").mkdir()
    (tsh.home / "config" / "config.yaml").write_text("keep: me\n")
    r = tsh.run("logout", "--proxy=localhost")
    assert r.returncode == 1 and "--proxy and --user" in r.stderr

    r = tsh.run("logout", f"--proxy={tsh.state['web_addr']}", "--user=alice")
    assert (r.returncode, r.stdout) == (0, "Logged out alice from localhost.\n")
    assert not (tsh.home / "keys" / "localhost" / "alice").exists()
    assert (tsh.home / "known_hosts").exists(), "known_hosts stays, as in tsh"
    r = tsh.run("logout", "--proxy=localhost", "--user=alice")
    assert r.returncode == 1 and r.stdout == "User alice already logged out from localhost.\n"

    assert tsh.login("alice").returncode == 0
    r = tsh.run("logout")
    assert (r.returncode, r.stdout) == (0, "Logged out all users from all proxies.\n")
    left = sorted(p.name for p in tsh.home.iterdir())
    assert "config" in left and "localhost.yaml" not in left and "keys" not in left
    assert (tsh.home / "config" / "config.yaml").read_text() == "keep: me\n"
    assert tsh.run("status").returncode == 1


def test_concurrent_logins_leave_a_consistent_directory(tsh):
    tsh.home.mkdir(parents=True)
    mine = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
    (tsh.home / "known_hosts").write_text(mine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: tsh.login("alice"), range(8)))
        statuses = list(pool.map(lambda _: tsh.run("status"), range(4)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert all(s.returncode in (0, 1) for s in statuses)
    lines = (tsh.home / "known_hosts").read_text().splitlines()
    assert lines[0] == mine.strip(), "the user's own line is kept"
    assert len(lines) == len(set(lines)) == 3  # mine, the root's and the leaf's CA
    keys = tsh.home / "keys" / "localhost"
    assert fingerprint_of_cert(keys / "alice-ssh" / f"{tsh.state['cluster']}-cert.pub") == \
        fingerprint_of_key(keys / "alice.pub")
    leftovers = [p for p in tsh.home.rglob(".*tmp*")]
    assert leftovers == []


def test_login_again_with_a_valid_profile_only_shows_the_status(tsh):
    assert tsh.login("alice").returncode == 0
    before = snapshot(tsh.home)
    # No password on stdin: it must not be asked for.
    r = tsh.run("login")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"> Profile URL:        https://{tsh.state['web_addr']}\n")
    r = tsh.run("login", f"--proxy={tsh.state['web_addr']}", f"--cluster={tsh.state['cluster']}")
    assert r.returncode == 0, r.stderr
    assert snapshot(tsh.home) == before
    log = pathlib.Path(tsh.state["requests_log"]).read_text()
    assert log.count("/webapi/mfa/login/finish") >= 1


def test_identity_file_formats(tsh, tmp_path):
    out = tmp_path / "identity"
    r = tsh.login("alice", f"--out={out}")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"\nThe certificate has been written to {out}\n"
    assert not (tsh.home / "localhost.yaml").exists(), "an identity file replaces the profile"
    text = out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    cluster = tsh.state["cluster"]
    parts = text.split("\n")
    cert_line = next(p for p in parts if p.startswith("ssh-ed25519-cert-v01@openssh.com "))
    assert "-----BEGIN CERTIFICATE-----" in text
    assert f"@cert-authority localhost,{cluster},*.{cluster} " in text
    assert text.endswith("-----END CERTIFICATE-----\n")
    # ssh reads the key from the identity file, with the certificate beside it.
    key = tmp_path / "key"
    key.write_text(text[:text.index("-----END OPENSSH PRIVATE KEY-----") + 34] + "\n")
    key.chmod(0o600)
    (tmp_path / "key-cert.pub").write_text(cert_line + "\n")
    assert fingerprint_of_cert(tmp_path / "key-cert.pub") == ssh_keygen("-l", "-f", str(key)).split()[1]

    out = tmp_path / "openssh"
    r = tsh.login("alice", f"--out={out}", "--format=openssh")
    assert r.returncode == 0, r.stderr
    assert fingerprint_of_cert(tmp_path / "openssh-cert.pub") == ssh_keygen("-l", "-f", str(out)).split()[1]
    assert stat.S_IMODE((tmp_path / "openssh-cert.pub").stat().st_mode) == 0o600


def test_an_unreachable_proxy_is_named_within_a_bounded_time(tsh):
    start = time.monotonic()
    r = tsh.run("login", "--proxy=localhost:1", "--user=alice", "--password-stdin", input="x\n")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: cannot reach the proxy at https://localhost:1")
    assert time.monotonic() - start < 20
    r = tsh.login("alice", env={"SSL_CERT_FILE": None})
    assert "--insecure" in r.stderr and "SSL_CERT_FILE" in r.stderr

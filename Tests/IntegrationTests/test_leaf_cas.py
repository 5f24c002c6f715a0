"""After every login, tsh fetches the host CAs of the root and its leaves from the root's
auth server through the proxy (GetCertAuthorities), so that OpenSSH verifies a leaf's
nodes with strict host key checking right away. A failure or a hostile answer is a
warning, and the login stands with nothing written from the answer."""
import pathlib
import subprocess

import pytest

from conftest import Tsh, running_sandbox


def leaf_lines(t):
    leaf = t.state["leaf_cluster"]
    kh = (t.home / "known_hosts").read_text()
    return [l for l in kh.splitlines() if l.startswith(f"@cert-authority localhost,{leaf},*.{leaf} ")]


def check_leaf_ssh(t, tmp_path):
    leaf = t.state["leaf_cluster"]
    r = t.run("config", "-l", t.state["os_user"])
    assert r.returncode == 0, r.stderr
    cfg = tmp_path / "ssh_config"
    cfg.write_text(r.stdout)
    r = subprocess.run(["ssh", "-F", str(cfg), "-o", "StrictHostKeyChecking=yes", f"{t.state['os_user']}@leafnode1.{leaf}", "echo", "leaf"],
                       capture_output=True, timeout=60, env=t.env(), stdin=subprocess.DEVNULL)
    assert (r.returncode, r.stdout) == (0, b"leaf\n"), r.stderr


def check_written(t):
    leaf = t.state["leaf_cluster"]
    ca = pathlib.Path(t.state["leaf_host_ca_pub"]).read_text().split()
    assert leaf_lines(t) == [f"@cert-authority localhost,{leaf},*.{leaf} {ca[0]} {ca[1]} type=host"]
    pem = t.home / "keys" / "localhost" / "cas" / f"{leaf}.pem"
    assert pem.read_text().startswith("-----BEGIN CERTIFICATE-----\n")
    assert oct(pem.stat().st_mode & 0o777) == "0o600"


def test_login_writes_the_leaf_ca_and_leaf_ssh_is_strict(tsh, tmp_path):
    r = tsh.login("alice")
    assert r.returncode == 0, r.stderr
    assert "WARNING" not in r.stderr.upper(), r.stderr
    check_written(tsh)
    check_leaf_ssh(tsh, tmp_path)
    # A second login merges: no duplicate lines.
    r = tsh.login("alice")
    assert r.returncode == 0, r.stderr
    check_written(tsh)


@pytest.mark.parametrize("flags", [("--tls-routing",), ("--conn-upgrade",)], ids=["tls-routing", "conn-upgrade"])
def test_leaf_ca_through_tls_routing(tsh_bin, tmp_path, flags):
    with running_sandbox(tmp_path / "sb", *flags) as state:
        t = Tsh(tsh_bin, tmp_path / "home", state)
        r = t.login("alice")
        assert r.returncode == 0, r.stderr
        assert "WARNING" not in r.stderr.upper(), r.stderr
        check_written(t)
        check_leaf_ssh(t, tmp_path)


@pytest.mark.parametrize("mode", ["ca-name-newline", "ca-name-space", "ca-name-star", "ca-name-comma",
                                  "ca-key-injection", "ca-tls-garbage", "ca-huge-list",
                                  "ca-huge-response", "auth-garbage"])
def test_a_hostile_auth_server_writes_nothing(tsh_bin, tmp_path, mode):
    with running_sandbox(tmp_path / "sb", "--hostile", mode) as state:
        t = Tsh(tsh_bin, tmp_path / "home", state)
        r = t.login("alice")
        assert r.returncode == 0, r.stderr
        assert "could not fetch the clusters' host CAs" in r.stderr, r.stderr
        kh = (t.home / "known_hosts").read_text()
        # Only the root's line from the web login; nothing from the CA list.
        assert [l for l in kh.splitlines() if l.strip()] == \
            [l for l in kh.splitlines() if l.startswith("@cert-authority localhost,sandbox.test,*.sandbox.test ")]
        assert len(kh.splitlines()) == 1
        cas = sorted(p.name for p in (t.home / "keys" / "localhost" / "cas").iterdir())
        assert cas == ["sandbox.test.pem"]
        # The login stands.
        assert t.run("status").returncode == 0

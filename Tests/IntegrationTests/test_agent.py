"""ssh-agent (issue 14): `tsh login -k/--add-keys-to-agent auto|yes|no|only` and
`tsh logout`, against OpenSSH's own ssh-agent, with the sandbox's real nodes."""
import base64
import os
import pathlib
import re
import shlex
import subprocess
import time

import pytest

from conftest import Tsh, snapshot


class Agent:
    """`ssh-agent -d`: foreground, with its debug log (which shows each key's lifetime)."""

    def __init__(self, directory: pathlib.Path):
        self.socket = str(directory / "agent.sock")
        self.log = directory / "agent.log"
        self.proc = subprocess.Popen(["ssh-agent", "-d", "-a", self.socket],
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        for _ in range(200):
            if os.path.exists(self.socket):
                break
            time.sleep(0.01)

    def env(self):
        return {"SSH_AUTH_SOCK": self.socket}

    def keys(self) -> list[str]:
        r = subprocess.run(["ssh-add", "-L"], env={**os.environ, **self.env()}, capture_output=True, text=True)
        return r.stdout.splitlines() if r.returncode == 0 else []

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)


@pytest.fixture
def agent(tmp_path):
    a = Agent(tmp_path)
    yield a
    a.stop()


def cert_file(t: Tsh) -> pathlib.Path:
    return t.home / "keys" / "localhost" / "alice-ssh" / f"{t.state['cluster']}-cert.pub"


def comment(t: Tsh) -> str:
    return f"teleport:localhost:{t.state['cluster']}:alice"


def test_yes_adds_the_certificate_with_go_tsh_comment_and_remaining_lifetime(tsh, agent):
    r = tsh.login("alice", "-k", "yes", "--ttl=30", env=agent.env())
    assert r.returncode == 0, r.stderr
    cert = cert_file(tsh).read_text().split()
    assert agent.keys() == [f"{cert[0]} {cert[1]} {comment(tsh)}"]
    # The agent forgets it when the certificate expires: 30 minutes, give or take the login's seconds.
    life = [int(x) for x in re.findall(r"\(life: (\d+)\)", agent.log.read_text())]
    assert len(life) == 1 and 30 * 60 - 120 <= life[0] <= 30 * 60, agent.log.read_text()


def test_the_agents_certificate_alone_logs_in_to_a_node(tsh, agent):
    assert tsh.login("alice", "-k", "yes", env=agent.env()).returncode == 0
    r = tsh.run("ssh", "--dry-run", f"{tsh.state['os_user']}@node1", "echo", "via-agent")
    argv = shlex.split(r.stdout.strip())
    # Drop the key and certificate files: only the agent can authenticate.
    out = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "-i":
            skip = True
            continue
        if a.startswith(("CertificateFile=", "IdentityFile=", "IdentitiesOnly=", "IdentityAgent=")):
            out.pop()  # its "-o"
            continue
        out.append(a)
    node = out.index("--")
    out[node:node] = ["-o", "IdentityFile=none", "-o", f"IdentityAgent={agent.socket}", "-o", "IdentitiesOnly=no"]
    r = subprocess.run(out, capture_output=True, text=True, env=tsh.env(), timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "via-agent\n"


def test_auto_is_the_default_and_logout_removes_only_tshs_keys(tsh, agent, tmp_path):
    own = tmp_path / "own"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mine", "-f", str(own)], check=True)
    subprocess.run(["ssh-add", "-q", str(own)], env={**os.environ, **agent.env()}, check=True,
                   capture_output=True)
    assert tsh.login("alice", env=agent.env()).returncode == 0
    assert [k.split()[-1] for k in agent.keys()] == ["mine", comment(tsh)]
    # A second login replaces the first key, not adds to it.
    assert tsh.login("alice", "--ttl=20", env=agent.env()).returncode == 0
    assert sorted(k.split()[-1] for k in agent.keys()) == sorted(["mine", comment(tsh)])
    r = tsh.run("logout", env=agent.env())
    assert r.returncode == 0, r.stderr
    assert [k.split()[-1] for k in agent.keys()] == ["mine"]


def test_logout_of_one_user_removes_that_users_key(tsh, agent):
    assert tsh.login("alice", "-k", "yes", env=agent.env()).returncode == 0
    r = tsh.run("logout", "--proxy=localhost", "--user=alice", env=agent.env())
    assert r.returncode == 0, r.stderr
    assert agent.keys() == []
    assert not cert_file(tsh).exists()


def test_no_and_auto_with_gpg_agent_add_nothing(tsh, agent):
    assert tsh.login("alice", "-k", "no", env=agent.env()).returncode == 0
    assert tsh.login("alice", "--ttl=20", env={**agent.env(), "TELEPORT_ADD_KEYS_TO_AGENT": "no"}).returncode == 0
    assert agent.keys() == []
    # gpg-agent cannot hold certificates: auto leaves it alone, without a warning.
    r = tsh.login("alice", "--ttl=10", env={"SSH_AUTH_SOCK": "/run/user/1000/gnupg/S.gpg-agent.ssh"})
    assert r.returncode == 0 and "WARNING" not in r.stderr, r.stderr


def test_only_keeps_the_key_in_the_agent_and_writes_no_key_file(tsh, agent):
    r = tsh.login("alice", "-k", "only", env=agent.env())
    assert r.returncode == 0, r.stderr
    assert "Logged in as:" in r.stdout and "alice" in r.stdout
    keys = tsh.home / "keys" / "localhost"
    assert sorted(p.name for p in keys.iterdir()) == ["cas"]
    assert (tsh.home / "localhost.yaml").exists() and (tsh.home / "known_hosts").exists()
    listed = agent.keys()
    assert len(listed) == 1 and listed[0].endswith(" " + comment(tsh))
    assert listed[0].startswith("ssh-ed25519-cert-v01@openssh.com ")
    # No private key anywhere in the profile.
    for path in tsh.home.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_only_without_an_agent_is_refused_before_anything_is_asked(tsh, agent):
    assert tsh.login("alice").returncode == 0
    before = snapshot(tsh.home)
    r = tsh.login("alice", "-k", "only", "--ttl=20", env={"SSH_AUTH_SOCK": None})
    assert r.returncode != 0
    assert r.stderr.startswith("ERROR: --add-keys-to-agent=only") and "SSH_AUTH_SOCK" in r.stderr, r.stderr
    assert snapshot(tsh.home) == before


def test_an_unreachable_agent_is_a_warning_and_the_login_stands(tsh, tmp_path):
    r = tsh.login("alice", "-k", "yes", env={"SSH_AUTH_SOCK": str(tmp_path / "gone.sock")})
    assert r.returncode == 0, r.stderr
    assert "WARNING: logged in, but could not add the key to the SSH agent" in r.stderr
    assert cert_file(tsh).exists()


def test_a_bad_value_is_a_clear_error(tsh):
    r = tsh.login("alice", "-k", "maybe")
    assert r.returncode != 0 and "auto, yes, no, only" in r.stderr, r.stderr
    r = tsh.login("alice", env={"TELEPORT_ADD_KEYS_TO_AGENT": "always"})
    assert r.returncode != 0
    assert r.stderr.startswith("ERROR: TELEPORT_ADD_KEYS_TO_AGENT must be one of auto, yes, no, only"), r.stderr


def test_rsa_keys_of_the_legacy_suite(tsh_bin, legacy_sandbox, agent, tmp_path):
    t = Tsh(tsh_bin, tmp_path / "home", legacy_sandbox)
    r = t.login("alice", "-k", "only", env=agent.env())
    assert r.returncode == 0, r.stderr
    listed = agent.keys()
    assert len(listed) == 1 and listed[0].startswith("ssh-rsa-cert-v01@openssh.com "), listed
    # The agent really holds the private half: it signs with it.
    cert = tmp_path / "cert.pub"
    cert.write_text(" ".join(listed[0].split()[:2]) + "\n")
    msg = tmp_path / "msg"
    msg.write_text("hello")
    r = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "file", "-f", str(cert), str(msg)],
                       env={**os.environ, **agent.env()}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

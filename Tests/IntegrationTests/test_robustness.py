"""Crash safety, concurrency and file modes of the profile directory."""
import concurrent.futures
import os
import random
import signal
import stat
import subprocess
import time

import pytest

from conftest import Tsh
from test_login import fingerprint_of_cert, fingerprint_of_key

# Internal names a killed run may leave behind; the next write removes them.
INTERNAL = (".staging-", ".tmp-")


def profile_files(home):
    for path in home.rglob("*"):
        if any(marker in part for part in path.relative_to(home).parts for marker in INTERNAL):
            continue
        yield path


def assert_consistent(t: Tsh, own_line=None):
    home = t.home
    keys = home / "keys" / "localhost"
    cert = keys / "alice-ssh" / f"{t.state['cluster']}-cert.pub"
    if cert.exists() or (keys / "alice").exists():
        assert fingerprint_of_cert(cert) == fingerprint_of_key(keys / "alice.pub"), "key and certificate differ"
        assert subprocess.run(["ssh-keygen", "-y", "-f", str(keys / "alice")], capture_output=True).returncode == 0
        assert (keys / "alice.crt").read_text().rstrip().endswith("-----END CERTIFICATE-----")
    yaml = home / "localhost.yaml"
    if yaml.exists():
        text = yaml.read_text()
        assert text.startswith("web_proxy_addr: ") and text.endswith("ssh_dial_timeout: 30s\n")
    kh = home / "known_hosts"
    if kh.exists():
        lines = kh.read_text().splitlines()
        assert len(lines) == len(set(lines)), "duplicate known_hosts lines"
        for line in lines:
            assert line == own_line or (line.startswith("@cert-authority localhost,") and line.endswith(" type=host"))
        if own_line:
            assert own_line in lines, "the user's own known_hosts line was lost"
    current = home / "current-profile"
    if current.exists():
        assert current.read_text() == "localhost\n"


def test_sigkill_at_random_points_never_leaves_a_partial_profile(tsh):
    assert tsh.login("alice").returncode == 0
    rng = random.Random(7)
    password = tsh.state["users"]["alice"]["password"] + "\n"
    killed = 0
    for _ in range(100):
        proc = subprocess.Popen([tsh.binary, "login", f"--proxy={tsh.state['web_addr']}", "--user=alice",
                                 "--password-stdin"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=tsh.env())
        proc.stdin.write(password.encode())
        proc.stdin.close()
        time.sleep(rng.uniform(0.0, 0.35))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        assert_consistent(tsh)
    assert killed > 50, f"only {killed} of 100 runs were killed mid-way"
    # The next login cleans up whatever the killed ones left.
    assert tsh.login("alice").returncode == 0
    leftovers = [p for p in tsh.home.rglob("*") if any(m in p.name for m in INTERNAL)]
    assert leftovers == []
    assert_consistent(tsh)


def test_racing_logins_logouts_and_statuses_leave_a_consistent_directory(tsh):
    tsh.home.mkdir(parents=True)
    own = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    (tsh.home / "known_hosts").write_text(own + "\n")
    web = tsh.state["web_addr"]
    jobs = ([lambda: tsh.login("alice")] * 10
            + [lambda: tsh.run("logout", f"--proxy={web}", "--user=alice")] * 3
            + [lambda: tsh.run("status")] * 5)
    random.Random(3).shuffle(jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    for r in results:
        assert r.returncode in (0, 1), r.stderr
        if r.returncode == 1:
            assert r.stderr.startswith("ERROR: ") or r.stdout.startswith("User alice already logged out")
    assert_consistent(tsh, own_line=own)
    assert tsh.login("alice").returncode == 0
    assert_consistent(tsh, own_line=own)


def test_nothing_in_the_profile_directory_is_readable_by_others(tsh, tmp_path):
    home = tmp_path / "user-home"
    home.mkdir()
    assert tsh.login("alice").returncode == 0
    assert tsh.run("config", "--install", env={"HOME": str(home)}).returncode == 0
    # Control sockets belong to the OpenSSH leg (gRPC legs share nothing).
    r = subprocess.run([tsh.binary, "proxy", "ssh", "--transport=openssh", "--multiplex",
                        f"{tsh.state['os_user']}@node1:3022"],
                       input=b"", capture_output=True, timeout=60, env=tsh.env())
    assert r.stdout.startswith(b"SSH-2.0-"), r.stderr

    def audit():
        for path in [tsh.home, *tsh.home.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_dir():
                assert mode == 0o700, f"{path} is {oct(mode)}"
            else:
                assert mode & 0o077 == 0, f"{path} is {oct(mode)}"

    sockets = [p for p in (tsh.home / "mux").iterdir() if p.is_socket()]
    assert sockets, "the multiplexed leg left a control socket"
    audit()
    for sock in sockets:
        subprocess.run(["ssh", "-F", "none", "-o", f"ControlPath={sock}", "-O", "exit", "x"], capture_output=True)
    assert tsh.run("logout", f"--proxy={tsh.state['web_addr']}", "--user=alice").returncode == 0
    audit()
    assert tsh.run("logout").returncode == 0
    audit()

"""tsh against a hostile proxy: every lie is refused, nothing reaches a file, nothing hangs.

Each test starts a sandbox in one `--hostile` mode (see Tests/Sandbox/README.md). Login
refusals are checked twice: from an empty TELEPORT_HOME (nothing may appear, inside or
next to it) and over a good profile for the same proxy host (`localhost`, from the default
sandbox), which must stay byte for byte and mode for mode as it was.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import Tsh, running_sandbox, snapshot

# Words that would mean a decoder's or runtime's text reached the user instead of a message.
INTERNALS = ("DecodingError", "CodingKeys", "keyNotFound", "typeMismatch", "dataCorrupted",
             "Swift.", "Fatal error", "NSError", "Optional(")


@pytest.fixture(scope="module")
def good_home(tsh_bin, sandbox, tmp_path_factory):
    """A TELEPORT_HOME holding a good profile for `localhost` (default sandbox)."""
    t = Tsh(tsh_bin, tmp_path_factory.mktemp("good") / "home", sandbox)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    return t.home


def workspace(tmp_path, name, good_home=None):
    """<tmp>/<name>/home, a copy of good_home or absent; the whole <tmp>/<name> is watched."""
    ws = tmp_path / name
    ws.mkdir()
    (ws / "neighbour.txt").write_text("a file next to TELEPORT_HOME\n")
    if good_home is not None:
        shutil.copytree(good_home, ws / "home", symlinks=True)
    return ws


def assert_clear_error(r, *alternatives):
    """Exit 1, nothing on stdout, one `ERROR:` message a user can read."""
    out = r.stdout if isinstance(r.stdout, str) else r.stdout.decode()
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode(errors="replace")
    assert r.returncode == 1, (r.returncode, out, err)
    assert out == ""
    assert err.startswith("ERROR: "), err
    assert not any(word in err for word in INTERNALS), err
    if alternatives:
        assert any(a.lower() in err.lower() for a in alternatives), err
    return err


def check_login_refused(tsh_bin, state, tmp_path, good_home, *alternatives, run=None):
    """Runs the hostile login from an empty home and over a good profile; both refused,
    neither changes a file. Returns the two error texts."""
    errors = []
    for name, base in (("fresh", None), ("previous", good_home)):
        ws = workspace(tmp_path, name, base)
        before = snapshot(ws)
        t = Tsh(tsh_bin, ws / "home", state)
        r = run(t) if run else t.login("alice")
        errors.append(assert_clear_error(r, *alternatives))
        print(f"{state.get('hostile')} ({name}): {errors[-1].strip()!r}")
        after = snapshot(ws)
        if base is None:
            # At most an empty TELEPORT_HOME (and empty directories in it) may appear.
            added = {k: v for k, v in after.items() if k not in before}
            files = [k for k, (_, data) in added.items() if data is not None]
            outside = [k for k in added if k != "home" and not k.startswith("home/")]
            assert files == [] and outside == [], added.keys()
            assert {k: v for k, v in after.items() if k in before} == before
        else:
            assert after == before
    return errors


def hostile_sandbox(tmp_path, mode, *flags):
    return running_sandbox(tmp_path / "sandbox", "--hostile", mode, *flags)


# ---------------------------------------------------------------- 1, 3: proxy host cert

@pytest.mark.parametrize("mode", ["proxy-cert-foreign-ca", "proxy-cert-expired", "proxy-cert-no-localhost"])
def test_a_bad_proxy_host_certificate_is_refused_and_nothing_hangs(tsh_bin, tmp_path, mode):
    with hostile_sandbox(tmp_path, mode) as state:
        t = Tsh(tsh_bin, tmp_path / "home", state)
        r = t.login("alice")
        assert r.returncode == 0, r.stderr  # the web API is honest; only the SSH port lies
        # The SSH port's host certificate matters to the OpenSSH leg only (the
        # gRPC transport never speaks SSH to the proxy), so that leg is forced.
        config = tmp_path / "ssh_config"
        config.write_text(t.run("config", "-l", state["os_user"]).stdout
                          .replace(" proxy ssh ", " proxy ssh --transport=openssh "))
        for _ in range(2):
            t0 = time.monotonic()
            r = subprocess.run([tsh_bin, "proxy", "ssh", "--transport=openssh", f"{state['os_user']}@node1:3022"], input=b"",
                               capture_output=True, timeout=60, env=t.env())
            took = time.monotonic() - t0
            assert r.returncode == 1, r.stderr
            assert r.stdout == b""
            assert b"Host key verification failed" in r.stderr, r.stderr
            assert b"ERROR: " in r.stderr, r.stderr
            assert took < 20, took
        # The same through OpenSSH with the rendered config.
        r = subprocess.run(["ssh", "-F", str(config), f"{state['os_user']}@node1.{state['cluster']}", "true"],
                           capture_output=True, timeout=60, env=t.env(), stdin=subprocess.DEVNULL)
        assert r.returncode == 255
        assert b"Host key verification failed" in r.stderr, r.stderr


# ---------------------------------------------------------------- 4: hostile cluster names

@pytest.mark.parametrize("mode", [
    "cluster-name-newline", "cluster-name-space", "cluster-name-percent", "cluster-name-star",
    "signer-domain-newline", "ping-cluster-name-newline",
])
def test_a_hostile_cluster_name_is_refused_and_nothing_is_written(tsh_bin, good_home, tmp_path, mode):
    with hostile_sandbox(tmp_path, mode) as state:
        errors = check_login_refused(tsh_bin, state, tmp_path, good_home, "cluster")
    for err in errors:
        # The hostile text is not echoed raw: no line of the error starts with ProxyCommand.
        assert not re.search(r"^\s*ProxyCommand", err, re.M), err


# ---------------------------------------------------------------- 5: hostile user names

@pytest.mark.parametrize("mode", ["username-traversal", "username-traversal-out", "username-slash"])
def test_a_hostile_username_is_refused_and_nothing_is_written_anywhere(tsh_bin, good_home, tmp_path, mode):
    before = sorted(p.name for p in tmp_path.iterdir())
    with hostile_sandbox(tmp_path, mode) as state:
        check_login_refused(tsh_bin, state, tmp_path, good_home, "user")
    # Nothing appeared next to the workspaces either (tmp_path is two levels above keys/).
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["fresh", "previous", "sandbox"])
    assert not list(tmp_path.rglob("evil*")), list(tmp_path.rglob("evil*"))


# ---------------------------------------------------------------- 6: the user certificate

@pytest.mark.parametrize("mode,words", [
    ("user-cert-wrong-key", ("different key", "another key", "not for the key")),
    ("user-cert-expired", ("expired",)),
    ("tls-cert-wrong-key", ("different key", "another key", "not for the key", "does not match")),
])
def test_a_certificate_for_another_key_or_already_expired_is_refused(tsh_bin, good_home, tmp_path, mode, words):
    with hostile_sandbox(tmp_path, mode) as state:
        check_login_refused(tsh_bin, state, tmp_path, good_home, *words)


# ---------------------------------------------------------------- 7: broken bodies

RUSAGE_WRAPPER = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], timeout=90)
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(r.returncode)
"""


def measured_login(t, rss_file):
    """tsh login through a small wrapper that records the peak RSS of tsh (KiB)."""
    password = t.state["users"]["alice"]["password"]
    return subprocess.run([sys.executable, "-c", RUSAGE_WRAPPER, str(rss_file), t.binary, "login",
                           f"--proxy={t.state['web_addr']}", "--user=alice", "--password-stdin"],
                          input=password + "\n", capture_output=True, text=True, env=t.env(), timeout=120)


@pytest.mark.parametrize("mode,words", [
    ("body-50mb", ("large", "size", "limit", "MiB", "MB")),
    ("body-truncated", ("proxy", "response")),
    ("body-bad-base64", ("base64", "proxy", "response")),
    ("body-wrong-type", ("proxy", "response")),
])
def test_a_broken_login_response_is_a_clear_error_in_bounded_memory(tsh_bin, good_home, tmp_path, mode, words):
    rss = []

    def run(t):
        f = tmp_path / f"rss-{len(rss)}"
        r = measured_login(t, f)
        rss.append(int(f.read_text()))
        return r

    with hostile_sandbox(tmp_path, mode) as state:
        check_login_refused(tsh_bin, state, tmp_path, good_home, *words, run=run)
    print(f"{mode}: peak RSS of tsh {rss} KiB")
    assert max(rss) < 100 * 1024, f"peak RSS of tsh {max(rss)} KiB"


# ---------------------------------------------------------------- 8: a silent proxy

def test_a_silent_web_api_times_out_with_a_clear_message(tsh_bin, good_home, tmp_path):
    took = []

    def run(t):
        t0 = time.monotonic()
        r = t.run("login", f"--proxy={t.state['web_addr']}", "--user=alice", "--password-stdin",
                  input=t.state["users"]["alice"]["password"] + "\n", timeout=90)
        took.append(time.monotonic() - t0)
        return r

    with hostile_sandbox(tmp_path, "silent-web") as state:
        errors = check_login_refused(tsh_bin, state, tmp_path, good_home, "did not answer", "timed out",
                                     "timeout", run=run)
    print(f"silent web API: tsh login gave up after {', '.join(f'{s:.1f}' for s in took)} s")
    assert max(took) < 45, took
    # A number of seconds in the message is the time actually waited.
    for err, seconds in zip(errors, took):
        for stated in re.findall(r"(\d+) seconds?", err):
            assert abs(int(stated) - seconds) < 5, (err, seconds)


def proxy_ssh(t, timeout=90):
    """tsh proxy ssh in its own process group; a hang past `timeout` fails the test and
    kills the group (tsh and its ssh), so nothing outlives the test."""
    t0 = time.monotonic()
    p = subprocess.Popen([t.binary, "proxy", "ssh", f"{t.state['os_user']}@node1:3022"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=t.env(), start_new_session=True)
    try:
        out, err = p.communicate(b"", timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        pytest.fail(f"tsh proxy ssh still running after {timeout} s against a silent proxy (a hang)")
    return subprocess.CompletedProcess(p.args, p.returncode, out, err), time.monotonic() - t0


@pytest.fixture(scope="module")
def silent_ssh(tsh_bin, tmp_path_factory):
    base = tmp_path_factory.mktemp("silent-ssh")
    with running_sandbox(base / "sandbox", "--hostile", "silent-ssh") as state:
        t = Tsh(tsh_bin, base / "home", state)
        t0 = time.monotonic()
        r = t.login("alice")
        print(f"silent SSH proxy: tsh login took {time.monotonic() - t0:.1f} s, stderr {r.stderr!r}")
        assert r.returncode == 0, r.stderr  # the web API is honest
        yield t


def set_dial_timeout(t, value):
    profile = t.home / "localhost.yaml"
    text = profile.read_text()
    new = re.sub(r"(?m)^ssh_dial_timeout: .*$", f"ssh_dial_timeout: {value}", text)
    assert new != text or f"ssh_dial_timeout: {value}" in text, text
    profile.write_text(new)


def test_a_silent_ssh_proxy_times_out_within_the_profiles_dial_timeout(silent_ssh):
    set_dial_timeout(silent_ssh, "3s")
    r, took = proxy_ssh(silent_ssh, timeout=60)
    print(f"silent SSH proxy, ssh_dial_timeout 3s: tsh proxy ssh gave up after {took:.1f} s")
    assert_clear_error(r, "timed out", "timeout", "did not answer")
    assert took < 15, took


def test_a_silent_ssh_proxy_times_out_with_the_default_dial_timeout(silent_ssh):
    set_dial_timeout(silent_ssh, "30s")
    r, took = proxy_ssh(silent_ssh, timeout=90)
    print(f"silent SSH proxy, ssh_dial_timeout 30s: tsh proxy ssh gave up after {took:.1f} s")
    assert_clear_error(r, "timed out", "timeout", "did not answer")
    assert took < 75, took


# ---------------------------------------------------------------- 9: a certificate as host CA

def test_a_certificate_offered_as_host_ca_is_refused(tsh_bin, good_home, tmp_path):
    with hostile_sandbox(tmp_path, "host-ca-is-cert") as state:
        check_login_refused(tsh_bin, state, tmp_path, good_home, "certificate")
    for kh in tmp_path.rglob("known_hosts"):
        assert "-cert-v01@openssh.com" not in kh.read_text()

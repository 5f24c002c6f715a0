"""tsh login for local users the Go tsh v17 way: /webapi/mfa/login/begin then
/finish (gravitational/teleport lib/client/weblogin.go), the fallback to
/webapi/ssh/certs on a proxy without them, and a WebAuthn-only challenge."""
import json
import pathlib

import pexpect
import pytest

from conftest import Tsh, running_sandbox, snapshot
from sandbox.login_testing import fresh_totp


def requests(state, since=0):
    """The sandbox's request log (method, path, status) from line `since`."""
    log = pathlib.Path(state["requests_log"])
    lines = log.read_text().splitlines()[since:] if log.exists() else []
    return [(d["method"], d["path"], d["status"]) for d in map(json.loads, lines)]


def log_length(state):
    log = pathlib.Path(state["requests_log"])
    return len(log.read_text().splitlines()) if log.exists() else 0


def login_paths(entries):
    return [(m, p, s) for m, p, s in entries if p.startswith("/webapi/") and ("login" in p or p == "/webapi/ssh/certs")]


@pytest.fixture(scope="module")
def no_mfa_sandbox(tmp_path_factory):
    """A proxy older than the MFA login endpoints: they answer 404."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox-no-mfa"), "--no-mfa-login", "--second-factor", "otp") as state:
        yield state


@pytest.fixture(scope="module")
def webauthn_sandbox(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("sandbox-webauthn"), "--second-factor", "webauthn") as state:
        yield state


@pytest.fixture(scope="module")
def no_legacy_sandbox(tmp_path_factory):
    """A proxy that has dropped /webapi/ssh/certs (the v18 TODO)."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox-no-legacy"), "--no-legacy-login") as state:
        yield state


@pytest.mark.parametrize("suite", ["balanced-v1", "legacy"])
def test_otp_user_logs_in_with_begin_and_finish(suite, tsh_bin, sandbox, legacy_sandbox, tmp_path):
    state = sandbox if suite == "balanced-v1" else legacy_sandbox
    t = Tsh(tsh_bin, tmp_path / "home", state)
    since = log_length(state)
    r = t.login("bob", f"--otp={fresh_totp(state, 'bob')}")
    assert r.returncode == 0, r.stderr
    assert "Logged in as:       bob" in r.stdout
    assert login_paths(requests(state, since)) == [
        ("POST", "/webapi/mfa/login/begin", 200), ("POST", "/webapi/mfa/login/finish", 200)]
    assert "auth_connector: local\n" in (t.home / "localhost.yaml").read_text()


def test_a_user_without_a_device_is_not_asked_for_a_code(tsh):
    # No terminal and no --otp: asking for a code would fail.
    since = log_length(tsh.state)
    r = tsh.login("alice")
    assert r.returncode == 0, r.stderr
    assert "OTP" not in r.stderr
    assert login_paths(requests(tsh.state, since)) == [
        ("POST", "/webapi/mfa/login/begin", 200), ("POST", "/webapi/mfa/login/finish", 200)]


def test_the_challenge_decides_the_prompt(tsh):
    """bob has a TOTP device: the code is asked for on the terminal, after the password."""
    state = tsh.state
    bob = state["users"]["bob"]
    child = pexpect.spawn(tsh.binary, ["login", f"--proxy={state['web_addr']}", "--user=bob"],
                          env=tsh.env(), encoding="utf-8", timeout=30)
    try:
        child.expect_exact("Enter password for Teleport user bob:")
        child.sendline(bob["password"])
        child.expect_exact("Enter an OTP code from a device:")
        child.sendline(fresh_totp(state, "bob"))
        child.expect(pexpect.EOF)
        transcript = child.before
    finally:
        child.close()
    assert child.exitstatus == 0, transcript
    assert "Logged in as:       bob" in transcript


def test_a_wrong_code_writes_nothing(tsh):
    assert tsh.login("alice").returncode == 0
    before = snapshot(tsh.home)
    r = tsh.login("bob", "--otp=000000")
    assert r.returncode == 1
    assert r.stderr == "ERROR: invalid username, password or second factor\n"
    assert snapshot(tsh.home) == before


def test_fallback_to_ssh_certs_when_the_proxy_lacks_the_mfa_endpoints(tsh_bin, no_mfa_sandbox, tmp_path):
    state = no_mfa_sandbox
    t = Tsh(tsh_bin, tmp_path / "home", state)
    since = log_length(state)
    r = t.login("bob", f"--otp={fresh_totp(state, 'bob')}")
    assert r.returncode == 0, r.stderr
    assert login_paths(requests(state, since)) == [
        ("POST", "/webapi/mfa/login/begin", 404), ("POST", "/webapi/ssh/certs", 200)]
    # The second factor comes from ping there (otp: required).
    r = t.login("alice")
    assert r.returncode == 1
    assert "no terminal" in r.stderr


def test_no_fallback_on_other_errors(tsh_bin, no_legacy_sandbox, tmp_path):
    state = no_legacy_sandbox
    t = Tsh(tsh_bin, tmp_path / "home", state)
    since = log_length(state)
    r = t.login("alice", password="wrong")
    assert r.returncode == 1
    assert r.stderr == "ERROR: invalid credentials\n"
    assert login_paths(requests(state, since)) == [("POST", "/webapi/mfa/login/begin", 403)]
    r = t.login("alice")
    assert r.returncode == 0, r.stderr


def test_a_webauthn_only_challenge_says_what_works_instead(tsh_bin, webauthn_sandbox, tmp_path):
    t = Tsh(tsh_bin, tmp_path / "home", webauthn_sandbox)
    since = log_length(webauthn_sandbox)
    r = t.login("bob", "--otp=123456")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: the cluster asks bob for a security key (WebAuthn)")
    assert "no security-key support" in r.stderr
    assert "OTP device" in r.stderr and "--auth=<sso connector>" in r.stderr
    assert r.stdout == ""
    assert not t.home.exists() or snapshot(t.home) == {}
    assert login_paths(requests(webauthn_sandbox, since)) == [("POST", "/webapi/mfa/login/begin", 200)]

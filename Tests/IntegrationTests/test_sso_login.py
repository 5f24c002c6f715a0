"""tsh login with single sign-on (GitHub, OIDC, SAML) against the sandbox's fake
identity provider: the console request, the browser, the encrypted callback, and
everything that must not end the wait (gravitational/teleport
lib/client/sso/redirector.go, lib/web/apiserver.go)."""
import contextlib
import json
import os
import pathlib
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import Tsh, running_sandbox, snapshot
from sandbox import login_testing as lt
from test_mfa_login import login_paths, log_length, requests


@pytest.fixture(scope="session")
def sso_sandboxes(tmp_path_factory):
    """One sandbox per option set, started when first asked for."""
    started = {}
    with contextlib.ExitStack() as stack:
        def get(*flags):
            if flags not in started:
                directory = tmp_path_factory.mktemp("sandbox-sso")
                started[flags] = stack.enter_context(running_sandbox(directory, *flags))
            return started[flags]
        yield get


@pytest.fixture
def github(sso_sandboxes):
    return sso_sandboxes("--sso", "github")


BROWSER_SCRIPT = """#!/bin/sh
# $BROWSER for tests: records its arguments, optionally forges requests to the
# callback first, then follows the link with curl as a browser would.
dir="$(dirname "$0")"
printf '%s\\n' "$*" >> "$dir/argv.log"
if [ -n "$FORGE_PORT" ]; then
    base="http://127.0.0.1:$FORGE_PORT/callback"
    for query in "err=forged&secret_key=$(printf '0%.0s' $(seq 64))" "err=forged" \\
                 "response=%7B%22ciphertext%22%3A%22AAAA%22%2C%22nonce%22%3A%22AAAAAAAAAAAAAAAA%22%7D" "" ; do
        curl -s -o /dev/null -w '%{http_code}\\n' "$base?$query" >> "$dir/forged.log"
    done
fi
if [ -z "$BROWSER_IDLE" ]; then
    curl -sS -L --max-redirs 10 --cacert "$SSL_CERT_FILE" -o /dev/null \\
        -w '%{http_code} %{url_effective}\\n' "$1" >> "$dir/browser.log" 2>&1
fi
"""


def browser(tmp_path: pathlib.Path) -> pathlib.Path:
    d = tmp_path / "browser"
    d.mkdir(exist_ok=True)
    script = d / "open-url"
    script.write_text(BROWSER_SCRIPT)
    script.chmod(0o755)
    return script


def wait_for_file(path: pathlib.Path, timeout=20.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} never appeared")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_closed(port: int) -> bool:
    """Nobody listens on the port. (A connect would be fooled: to a free port in
    the ephemeral range, the kernel may pick that same port as the source, and
    the socket connects to itself.)"""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def sso_login(t: Tsh, *args, env=None, timeout=60):
    return t.run("login", f"--proxy={t.state['web_addr']}", *args, env=env, timeout=timeout)


def assert_no_secret_leaked(r, tmp_path):
    for text in (r.stdout, r.stderr, (tmp_path / "browser" / "argv.log").read_text()):
        assert "secret_key" not in text
        assert "/callback" not in text


@pytest.mark.parametrize("kind", ["github", "oidc", "saml"])
def test_each_connector_type(kind, tsh_bin, sso_sandboxes, tmp_path):
    state = sso_sandboxes("--sso", kind)
    t = Tsh(tsh_bin, tmp_path / "home", state)
    since = log_length(state)
    r = sso_login(t, env={"BROWSER": str(browser(tmp_path))})
    assert r.returncode == 0, r.stderr
    assert "Logged in as:       alice" in r.stdout
    assert "If browser window does not open automatically, open it by clicking on the link:\n " \
        f"{state['sso_idp_url']}?state=" in r.stderr
    # The browser came back through tsh's callback to the proxy's success page.
    final = wait_for_file(tmp_path / "browser" / "browser.log")
    assert final == f"200 https://{state['web_addr']}/web/msg/info/login_success\n"
    profile = (t.home / "localhost.yaml").read_text()
    assert f"auth_connector: {state['sso_connector']}\n" in profile
    assert "user: alice\n" in profile
    assert login_paths(requests(state, since)) == [("POST", f"/webapi/{kind}/login/console", 200)]
    assert_no_secret_leaked(r, tmp_path)
    for path in [t.home, *t.home.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path

    # The certificates work: ssh through the proxy with the written config.
    config = tmp_path / "ssh_config"
    config.write_text(t.run("config", "-l", state["os_user"]).stdout)
    ssh = subprocess.run(["ssh", "-F", str(config), f"{state['os_user']}@node1.{state['cluster']}", "echo", "sso"],
                         capture_output=True, timeout=60, env=t.env(), stdin=subprocess.DEVNULL)
    assert (ssh.returncode, ssh.stdout) == (0, b"sso\n"), ssh.stderr

    # The next login to this proxy uses the profile's connector again (Go tsh's LoadProfile).
    since = log_length(state)
    r = sso_login(t, f"--cluster={state['cluster']}", "--user=someone-else",
                  env={"BROWSER": str(browser(tmp_path))})
    assert r.returncode == 0, r.stderr
    paths = [p for _, p, _ in requests(state, since)]
    assert f"/webapi/ping/{state['sso_connector']}" in paths
    assert f"/webapi/{kind}/login/console" in paths


def test_auth_names_the_connector_and_local_forces_the_password(tsh_bin, github, tmp_path):
    t = Tsh(tsh_bin, tmp_path / "home", github)
    since = log_length(github)
    r = t.login("alice", "--auth=local")
    assert r.returncode == 0, r.stderr
    assert [p for _, p, _ in requests(github, since)][:3] == [
        "/webapi/ping/local", "/webapi/mfa/login/begin", "/webapi/mfa/login/finish"]
    assert "auth_connector: local\n" in (t.home / "localhost.yaml").read_text()

    r = sso_login(t, f"--auth={github['sso_connector']}", env={"BROWSER": str(browser(tmp_path))})
    assert r.returncode == 0, r.stderr
    assert f"auth_connector: {github['sso_connector']}\n" in (t.home / "localhost.yaml").read_text()

    r = sso_login(t, "--auth=nope", env={"TELEPORT_AUTH": None})
    assert r.returncode == 1
    assert r.stderr == f"ERROR: invalid connector name: nope; valid options: {github['sso_connector']}\n"
    r = sso_login(t, env={"TELEPORT_AUTH": "../x"})
    assert r.returncode == 1 and "invalid auth connector name" in r.stderr


def test_a_denied_login_fails_and_writes_nothing(tsh_bin, sso_sandboxes, tmp_path):
    state = sso_sandboxes("--sso", "github", "--sso-deny")
    t = Tsh(tsh_bin, tmp_path / "home", state)
    r = sso_login(t, env={"BROWSER": str(browser(tmp_path))})
    assert r.returncode == 1
    assert "ERROR: identity provider callback failed with error: " in r.stderr
    assert not t.home.exists() or snapshot(t.home) == {}
    final = wait_for_file(tmp_path / "browser" / "browser.log")
    assert final.endswith(f"https://{state['web_addr']}/web/msg/error/login\n")
    assert_no_secret_leaked(r, tmp_path)


def test_forged_callbacks_do_not_end_the_wait(tsh_bin, github, tmp_path):
    """Any local program can reach the callback: a wrong or missing secret, or a
    response that does not decrypt, is answered with an error page, and the real
    login then succeeds."""
    t = Tsh(tsh_bin, tmp_path / "home", github)
    port = free_port()
    r = sso_login(t, env={"BROWSER": str(browser(tmp_path)), "FORGE_PORT": str(port),
                          "TELEPORT_LOGIN_BIND_ADDR": f"127.0.0.1:{port}"})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "browser" / "forged.log").read_text() == "400\n400\n400\n400\n"
    assert r.stderr.count("WARNING: ignored a request to the login callback") == 4
    assert f"auth_connector: {github['sso_connector']}\n" in (t.home / "localhost.yaml").read_text()
    assert port_is_closed(port)


def test_a_response_that_does_not_validate_does_not_log_in(tsh_bin, sso_sandboxes, tmp_path):
    """The decrypted response is checked as a password login's: a certificate for
    another key is refused, nothing is written, and the wait goes on."""
    state = sso_sandboxes("--sso", "oidc", "--hostile", "user-cert-wrong-key")
    t = Tsh(tsh_bin, tmp_path / "home", state)
    r = sso_login(t, env={"BROWSER": str(browser(tmp_path)), "TSH_SSO_TIMEOUT_SECONDS": "4"})
    assert r.returncode == 1
    assert "WARNING: ignored a login response: the proxy returned a certificate for a different key" in r.stderr
    assert r.stderr.endswith("ERROR: timed out after 4 seconds waiting for the single sign-on login in the "
                             "browser; run the command again to retry\n")
    assert not t.home.exists() or snapshot(t.home) == {}


def test_timeout_leaves_nothing_behind(tsh_bin, github, tmp_path):
    t = Tsh(tsh_bin, tmp_path / "home", github)
    port = free_port()
    started = time.time()
    r = sso_login(t, f"--bind-addr=127.0.0.1:{port}",
                  env={"BROWSER": str(browser(tmp_path)), "BROWSER_IDLE": "1", "TSH_SSO_TIMEOUT_SECONDS": "2"})
    assert 2 <= time.time() - started < 20
    assert r.returncode == 1
    assert r.stderr.endswith("ERROR: timed out after 2 seconds waiting for the single sign-on login in the "
                             "browser; run the command again to retry\n")
    assert not t.home.exists() or snapshot(t.home) == {}
    assert port_is_closed(port)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_browser_none_only_prints_the_link(how, tsh_bin, github, tmp_path):
    t = Tsh(tsh_bin, tmp_path / "home", github)
    args = ["--browser=none"] if how == "flag" else []
    env = t.env(BROWSER=str(browser(tmp_path)), TELEPORT_LOGIN_BROWSER="none" if how == "env" else None)
    proc = subprocess.Popen([t.binary, "login", f"--proxy={github['web_addr']}", *args], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline() == "Use the following URL to authenticate:\n"
        url = proc.stderr.readline().strip()
        assert url.startswith(github["sso_idp_url"] + "?state=")
        status, final, _ = lt.browse(github, url)
        assert (status, final) == (200, f"https://{github['web_addr']}/web/msg/info/login_success")
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Logged in as:       alice" in out
    assert not (tmp_path / "browser" / "argv.log").exists(), "no browser is opened"


def test_ctrl_c_leaves_nothing_behind(tsh_bin, github, tmp_path):
    t = Tsh(tsh_bin, tmp_path / "home", github)
    port = free_port()
    proc = subprocess.Popen([t.binary, "login", f"--proxy={github['web_addr']}", f"--bind-addr=127.0.0.1:{port}"],
                            env=t.env(BROWSER=str(browser(tmp_path)), BROWSER_IDLE="1"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("If browser window does not open automatically")
        assert not port_is_closed(port)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGINT
    assert not t.home.exists() or snapshot(t.home) == {}
    assert port_is_closed(port)


def test_relogin_from_proxy_ssh_opens_the_browser_without_a_terminal(tsh_bin, github, tmp_path):
    """An expired SSO certificate under OpenSSH's ProxyCommand: no terminal is
    needed; the browser logs in again, and the user is told to run the command
    again (OpenSSH read the expired certificate before tsh could renew it)."""
    from test_proxy_ssh import expire_certificate
    t = Tsh(tsh_bin, tmp_path / "home", github)
    env = {"BROWSER": str(browser(tmp_path))}
    assert sso_login(t, env=env).returncode == 0
    config = tmp_path / "ssh_config"
    config.write_text(t.run("config", "-l", github["os_user"]).stdout)
    expire_certificate(t)
    target = f"{github['os_user']}@node1.{github['cluster']}"
    r = subprocess.run(["setsid", "ssh", "-F", str(config), target, "echo", "renewed"],
                       capture_output=True, timeout=90, env=t.env(**env), stdin=subprocess.DEVNULL)
    assert r.returncode == 255
    assert b"expired at" in r.stderr and b"logging in again in the browser" in r.stderr
    assert b"If browser window does not open automatically" in r.stderr
    assert b"run your command again" in r.stderr
    assert r.stdout == b""
    assert "[valid for 1" in t.run("status").stdout
    r = subprocess.run(["ssh", "-F", str(config), target, "echo", "renewed"],
                       capture_output=True, timeout=60, env=t.env(), stdin=subprocess.DEVNULL)
    assert (r.returncode, r.stdout) == (0, b"renewed\n"), r.stderr


CHROMIUM_SCRIPT = """#!/bin/sh
# $BROWSER: a real headless Chromium, which follows the identity provider's
# redirect to tsh's callback and on to the proxy's page, then prints the DOM.
dir="$(dirname "$0")"
exec chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \\
    --user-data-dir="$dir/profile" --ignore-certificate-errors --virtual-time-budget=5000 \\
    --dump-dom "$1" > "$dir/dom.html" 2> "$dir/chromium.log"
"""


def test_a_real_browser_end_to_end(tsh_bin, github, tmp_path):
    """Headless Chromium (Debian's chromium, installed by scripts/setup --sandbox)
    through the fake identity provider and back to tsh's callback. Never skipped."""
    d = tmp_path / "chromium"
    d.mkdir()
    script = d / "open-url"
    script.write_text(CHROMIUM_SCRIPT)
    script.chmod(0o755)
    t = Tsh(tsh_bin, tmp_path / "home", github)
    r = sso_login(t, env={"BROWSER": str(script)}, timeout=120)
    assert r.returncode == 0, r.stderr + ((d / "chromium.log").read_text() if (d / "chromium.log").exists() else "")
    assert "Logged in as:       alice" in r.stdout
    assert f"auth_connector: {github['sso_connector']}\n" in (t.home / "localhost.yaml").read_text()
    # Chromium ends on the proxy's success page (it exits after dumping the DOM).
    dom = d / "dom.html"
    deadline = time.time() + 60
    while time.time() < deadline and "Login Successful" not in (dom.read_text(errors="replace") if dom.exists() else ""):
        time.sleep(0.2)
    assert "Login Successful" in dom.read_text(errors="replace")

"""Fixtures for end-to-end tests: the built tsh binary, sandboxes, and a
helper that runs tsh with a private TELEPORT_HOME."""
import contextlib
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SANDBOX_DIR = ROOT / "Tests" / "Sandbox"
sys.path.insert(0, str(SANDBOX_DIR))


@pytest.fixture(scope="session")
def tsh_bin() -> str:
    path = os.environ.get("TSH_BIN", str(ROOT / ".build" / "debug" / "tsh"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"tsh binary not found at {path}; run `swift build` or set TSH_BIN")
    return path


@contextlib.contextmanager
def running_sandbox(state_dir: pathlib.Path, *flags: str):
    """Starts the sandbox and always stops it, even when the test fails."""
    cmd = [sys.executable, "-m", "sandbox"]
    env = dict(os.environ, PYTHONPATH=str(SANDBOX_DIR))
    try:
        subprocess.run(cmd + ["up", "--state", str(state_dir), "--parent-pid", str(os.getpid()), *flags],
                       env=env, check=True, timeout=120, stdout=subprocess.DEVNULL)
        state = json.loads((state_dir / "state.json").read_text())
        state["state_dir"] = str(state_dir)
        yield state
    finally:
        subprocess.run(cmd + ["down", "--state", str(state_dir)], env=env, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """The default sandbox: balanced-v1, second factor optional."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox-balanced")) as state:
        yield state


@pytest.fixture(scope="session")
def legacy_sandbox(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("sandbox-legacy"), "--suite", "legacy") as state:
        yield state


class Tsh:
    """Runs tsh against one TELEPORT_HOME, trusting the sandbox's web CA."""

    def __init__(self, binary: str, home: pathlib.Path, state: dict):
        self.binary = binary
        self.home = home
        self.state = state

    def env(self, **extra):
        # No SSH_AUTH_SOCK: login's default (-k auto) must not reach the runner's own agent.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TELEPORT_") and k not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSH_AUTH_SOCK")}
        env.update(TELEPORT_HOME=str(self.home), SSL_CERT_FILE=self.state["web_ca_pem"])
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def run(self, *args, input=None, env=None, timeout=60):
        return subprocess.run([self.binary, *args], input=input, capture_output=True, text=True,
                              env=self.env(**(env or {})), timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)

    def login(self, user="alice", *args, password=None, env=None):
        password = self.state["users"][user]["password"] if password is None else password
        return self.run("login", f"--proxy={self.state['web_addr']}", f"--user={user}", "--password-stdin",
                        *args, input=password + "\n", env=env)


@pytest.fixture
def tsh(tsh_bin, sandbox, tmp_path):
    return Tsh(tsh_bin, tmp_path / "tsh-home", sandbox)


def snapshot(directory: pathlib.Path) -> dict:
    """Every file under a directory with its bytes and mode, for before/after checks."""
    out = {}
    for path in sorted(directory.rglob("*")):
        st = path.lstat()
        rel = str(path.relative_to(directory))
        out[rel] = (oct(st.st_mode), path.read_bytes() if path.is_file() else None)
    return out

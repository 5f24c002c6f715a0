"""Command line: python -m sandbox up|down --state DIR [options]."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from typing import List, Optional

from . import hostile, login_cli, procs
from .supervisor import pid_path, state_path, supervise

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", required=True, help="state directory (created if missing)")
    p.add_argument("--suite", choices=["legacy", "balanced-v1"], default="balanced-v1")
    p.add_argument("--second-factor", choices=["off", "otp", "optional", "on", "webauthn"],
                   default="optional")
    p.add_argument("--mode", choices=["asyncssh", "sshd"], default="asyncssh")
    p.add_argument("--proxy-host-key", choices=["cert", "plain"], default="cert",
                   help="plain: hostile mode, the proxy offers a plain host key only")
    p.add_argument("--hostile", choices=sorted(hostile.MODES), default=None, metavar="MODE",
                   help="hostile-server mode, off by default (see README): "
                        + ", ".join(sorted(hostile.MODES)))
    p.add_argument("--strict-node-ports", action="store_true",
                   help="route name matches like real Teleport does for agentless "
                        "(address-registered) nodes: a requested port must equal the node's port")
    p.add_argument("--tls-routing", action="store_true",
                   help="one TLS port (the web port) demultiplexed by ALPN (multiplex mode)")
    p.add_argument("--conn-upgrade", action="store_true",
                   help="an L7 load balancer in front (implies --tls-routing): outer TLS "
                        "negotiates only http/1.1; use /webapi/connectionupgrade")
    p.add_argument("--no-grpc-transport", action="store_true",
                   help="an old proxy: no TransportService anywhere")
    p.add_argument("--parent-pid", type=int, default=None,
                   help="shut down when this process disappears")
    login_cli.add_options(p)


def _opts(a: argparse.Namespace) -> dict:
    return {"suite": a.suite, "second_factor": a.second_factor, "mode": a.mode,
            "proxy_host_key": a.proxy_host_key, "strict_node_ports": a.strict_node_ports,
            "hostile": a.hostile, "parent_pid": a.parent_pid,
            "tls_routing": a.tls_routing or a.conn_upgrade, "conn_upgrade": a.conn_upgrade,
            "no_grpc_transport": a.no_grpc_transport, **login_cli.opts(a)}


def _read_pid(state_dir: str) -> Optional[int]:
    try:
        with open(pid_path(state_dir)) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def cmd_up(a: argparse.Namespace) -> int:
    state_dir = os.path.abspath(a.state)
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    old = _read_pid(state_dir)
    if old and procs.alive(old):
        print(f"sandbox already running (pid {old}); run down first", file=sys.stderr)
        return 1
    for p in (state_path(state_dir), pid_path(state_dir)):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
    os.makedirs(os.path.join(state_dir, "logs"), mode=0o700, exist_ok=True)
    log_path = os.path.join(state_dir, "logs", "supervisor.log")
    argv = [sys.executable, "-m", "sandbox", "supervise", "--state", state_dir,
            "--suite", a.suite, "--second-factor", a.second_factor, "--mode", a.mode,
            "--proxy-host-key", a.proxy_host_key]
    if a.strict_node_ports:
        argv.append("--strict-node-ports")
    if a.hostile:
        argv += ["--hostile", a.hostile]
    for flag in ("tls_routing", "conn_upgrade", "no_grpc_transport"):
        if getattr(a, flag):
            argv.append("--" + flag.replace("_", "-"))
    if a.parent_pid:
        argv += ["--parent-pid", str(a.parent_pid)]
    argv += login_cli.argv(a)
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + (os.pathsep + env["PYTHONPATH"]
                                      if env.get("PYTHONPATH") else "")
    log_offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
    with open(log_path, "ab") as logf:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                env=env, cwd=state_dir, start_new_session=True,
                                close_fds=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(state_path(state_dir)):
            print(state_path(state_dir))
            return 0
        rc = proc.poll()
        if rc is not None:
            break
        time.sleep(0.05)
    # Failure: make sure nothing is left, show the log.
    if proc.poll() is None:
        _stop(state_dir, proc.pid)
    proc.wait()
    try:
        with open(log_path) as f:
            f.seek(log_offset)
            sys.stderr.write(f.read()[-4000:])
    except OSError:
        pass
    print("sandbox failed to start", file=sys.stderr)
    return 1


def _stop(state_dir: str, pid: int, grace: float = 5.0) -> None:
    st = procs.proc_stat(pid)
    if st is None:
        return
    tree = procs.descendants(pid)
    pgid = int(st["pgid"])
    try:
        os.killpg(pgid, signal.SIGTERM) if pgid == pid else os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    deadline = time.time() + grace
    while time.time() < deadline and procs.alive(pid):
        time.sleep(0.05)
    if procs.alive(pid):
        try:
            os.killpg(pgid, signal.SIGKILL) if pgid == pid else os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    # Anything that was below the supervisor and survived it.
    leftovers = {p for p in tree if procs.alive(p)}
    if leftovers:
        procs.terminate_pids(leftovers, grace=1.0)
    deadline = time.time() + 2
    while time.time() < deadline and procs.alive(pid):
        time.sleep(0.05)


def cmd_down(a: argparse.Namespace) -> int:
    state_dir = os.path.abspath(a.state)
    pid = _read_pid(state_dir)
    if pid is None:
        try:
            with open(state_path(state_dir)) as f:
                pid = int(json.load(f)["supervisor_pid"])
        except (OSError, ValueError, KeyError):
            pid = None
    if pid is not None and procs.alive(pid):
        # Only signal it if it looks like our supervisor.
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            cmdline = []
        if b"supervise" in cmdline and state_dir.encode() in cmdline:
            _stop(state_dir, pid)
        else:
            print(f"pid {pid} is not this sandbox's supervisor; not touching it",
                  file=sys.stderr)
    try:
        os.unlink(pid_path(state_dir))
    except FileNotFoundError:
        pass
    return 0


def cmd_supervise(a: argparse.Namespace) -> int:
    return supervise(a.state, _opts(a))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox",
                                 description="Local Teleport sandbox for tests")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start the sandbox in the background")
    _add_run_options(up)
    down = sub.add_parser("down", help="stop the sandbox")
    down.add_argument("--state", required=True)
    sv = sub.add_parser("supervise", help=argparse.SUPPRESS)
    _add_run_options(sv)
    a = ap.parse_args(argv)
    return {"up": cmd_up, "down": cmd_down, "supervise": cmd_supervise}[a.cmd](a)

"""Process helpers: free ports, PDEATHSIG, subreaper, descendant trees."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import time
from typing import Dict, List, Optional, Set

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_libc = None


def _prctl(option: int, arg: int) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.prctl(option, arg, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    _prctl(PR_SET_PDEATHSIG, int(sig))


def set_child_subreaper() -> None:
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def child_preexec() -> None:
    """preexec_fn for children: die with the supervisor."""
    set_pdeathsig(signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def proc_stat(pid: int) -> Optional[Dict[str, object]]:
    """ppid, state and start time of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode(errors="replace")
    except OSError:
        return None
    rparen = data.rfind(")")
    fields = data[rparen + 2:].split()
    return {"state": fields[0], "ppid": int(fields[1]), "pgid": int(fields[2]),
            "start": int(fields[19])}


def alive(pid: int) -> bool:
    st = proc_stat(pid)
    return st is not None and st["state"] != "Z"


def descendants(root: int) -> Set[int]:
    children: Dict[int, List[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st is None:
            continue
        children.setdefault(int(st["ppid"]), []).append(int(name))
    out: Set[int] = set()
    stack = [root]
    while stack:
        p = stack.pop()
        for c in children.get(p, []):
            if c not in out:
                out.add(c)
                stack.append(c)
    return out


def kill_quietly(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def terminate_pids(pids: Set[int], grace: float = 2.0) -> None:
    """SIGTERM, wait up to grace, then SIGKILL whatever is left."""
    starts = {p: (proc_stat(p) or {}).get("start") for p in pids}
    for p in pids:
        kill_quietly(p, signal.SIGTERM)
    deadline = time.time() + grace
    while time.time() < deadline and any(alive(p) for p in pids):
        reap_zombies()
        time.sleep(0.05)
    for p in pids:
        st = proc_stat(p)
        if st is not None and st["state"] != "Z" and st["start"] == starts.get(p):
            kill_quietly(p, signal.SIGKILL)
    reap_zombies()


def reap_zombies() -> None:
    """Reap zombie children that are not tracked by subprocess (subreaper duty)."""
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st and st["ppid"] == me and st["state"] == "Z":
            try:
                os.waitpid(int(name), os.WNOHANG)
            except ChildProcessError:
                pass

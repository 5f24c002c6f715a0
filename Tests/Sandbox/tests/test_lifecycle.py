import os
import signal
import subprocess
import sys
import time

from sandbox import procs, testing


def _gone(pid):
    return not procs.alive(pid)


def test_down_leaves_nothing(tmp_path):
    state = testing.up(str(tmp_path / "s"))
    sup = state["supervisor_pid"]
    tree = procs.descendants(sup)
    assert set(state["sshd_pids"]) <= tree
    # Open a session so an sshd per-connection child exists too.
    keys = testing.ClientKeys.generate(str(tmp_path / "c"), state["suite"])
    testing.login(state, keys, "alice")
    kh = testing.write_known_hosts(state, str(tmp_path / "kh"))
    p = subprocess.Popen(testing.node_ssh_argv(state, kh, keys, "node1", "sandbox.test",
                                               ["sleep", "60"]),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and len(procs.descendants(sup)) <= len(tree):
            time.sleep(0.1)
        tree = procs.descendants(sup)
        assert len(tree) > 3
        testing.down(str(tmp_path / "s"))
        for pid in [sup] + sorted(tree):
            assert _gone(pid), f"pid {pid} survived down"
        assert not os.path.exists(tmp_path / "s" / "supervisor.pid")
        assert os.path.exists(tmp_path / "s" / "state.json")
        # down is idempotent
        testing.down(str(tmp_path / "s"))
    finally:
        p.kill()
        p.wait()


def test_parent_death_stops_sandbox(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        state = testing.up(str(tmp_path / "s"), parent_pid=parent.pid)
        sup = state["supervisor_pid"]
        tree = procs.descendants(sup)
        assert procs.alive(sup)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.time() + 5
    while time.time() < deadline and not all(_gone(p) for p in [sup, *tree]):
        time.sleep(0.1)
    assert all(_gone(p) for p in [sup, *tree])
    testing.down(str(tmp_path / "s"))


def test_sigkill_supervisor_kills_sshd(tmp_path):
    state = testing.up(str(tmp_path / "s"))
    sup = state["supervisor_pid"]
    sshds = state["sshd_pids"]
    os.kill(sup, signal.SIGKILL)
    deadline = time.time() + 5
    while time.time() < deadline and not all(_gone(p) for p in sshds):
        time.sleep(0.1)
    assert all(_gone(p) for p in sshds)
    testing.down(str(tmp_path / "s"))


def test_running_sandbox_context_manager(tmp_path):
    with testing.running_sandbox(str(tmp_path / "s"), suite="balanced-v1") as state:
        sup = state["supervisor_pid"]
        assert state["parent_pid"] == os.getpid()
        assert procs.port_open(state["web_port"]) and procs.port_open(state["ssh_port"])
    assert _gone(sup)

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sandbox import testing  # noqa: E402


class SandboxPool:
    """One sandbox per distinct option set, shared by the whole session."""

    def __init__(self, base):
        self.base = base
        self.running = {}

    def get(self, **options):
        key = tuple(sorted(options.items()))
        if key not in self.running:
            d = self.base / ("sbx%d" % len(self.running))
            d.mkdir()
            state = testing.up(str(d), parent_pid=os.getpid(), **options)
            self.running[key] = state
        return self.running[key]

    def close(self):
        for state in self.running.values():
            testing.down(state["state_dir"])


@pytest.fixture(scope="session")
def pool(tmp_path_factory):
    p = SandboxPool(tmp_path_factory.mktemp("sandboxes"))
    yield p
    p.close()


@pytest.fixture(scope="session", params=["balanced-v1", "legacy"])
def suite(request):
    return request.param


@pytest.fixture(scope="session")
def sbx(pool, suite):
    return pool.get(suite=suite)


@pytest.fixture(scope="session")
def client(sbx, tmp_path_factory):
    """Keys logged in as alice, plus a known_hosts with root and leaf CAs."""
    d = tmp_path_factory.mktemp("client-" + sbx["suite"])
    keys = testing.ClientKeys.generate(str(d), sbx["suite"])
    testing.login(sbx, keys, "alice")
    kh = testing.write_known_hosts(sbx, str(d / "known_hosts"))
    return keys, kh

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Sandbox"))


@pytest.fixture(scope="session")
def tsh_bin() -> str:
    path = os.environ.get("TSH_BIN", str(ROOT / ".build" / "debug" / "tsh"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"tsh binary not found at {path}; run `swift build` or set TSH_BIN")
    return path

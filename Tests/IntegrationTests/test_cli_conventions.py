"""The command line's conventions: data on stdout, `ERROR:` on stderr, exit 1."""
import json
import os
import pty
import subprocess


def run(tsh_bin, *args, **kw):
    return subprocess.run([tsh_bin, *args], capture_output=True, text=True, **kw)


def test_version_prints_the_client_version(tsh_bin):
    r = run(tsh_bin, "version")
    assert r.returncode == 0
    assert r.stdout.startswith("tsh for Swift v")
    assert r.stderr == ""


def test_version_json_names_the_c_libraries_in_use(tsh_bin):
    r = run(tsh_bin, "version", "--format", "json")
    assert r.returncode == 0
    info = json.loads(r.stdout)
    assert info["libssh"][0].isdigit() and info["libcurl"][0].isdigit()
    assert info["version"]


def test_help_lists_the_commands(tsh_bin):
    r = run(tsh_bin, "--help")
    assert r.returncode == 0
    assert "version" in r.stdout


def test_errors_go_to_stderr_with_exit_1_and_no_colour_off_a_terminal(tsh_bin):
    r = run(tsh_bin, "no-such-command")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("ERROR: ")
    assert "\x1b[" not in r.stderr


def test_errors_are_red_on_a_terminal(tsh_bin):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(tsh_bin, [tsh_bin, "no-such-command"], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1
    assert b"\x1b[31mERROR: " in out

"""Everyday use (issue 14): tsh ssh and tsh scp end to end through the sandbox,
completion scripts, the man page, and the getting-started text."""
import os
import re
import pathlib
import shutil
import subprocess

import pytest

from conftest import ROOT, Tsh
from test_proxy_ssh import expire_certificate


@pytest.fixture(scope="module")
def session(tsh_bin, sandbox, tmp_path_factory):
    t = Tsh(tsh_bin, tmp_path_factory.mktemp("everyday") / "home", sandbox)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    return t


def user_at(t, node="node1"):
    return f"{t.state['os_user']}@{node}"


# ---------------------------------------------------------------- tsh ssh

def test_ssh_runs_a_command_on_node1(session):
    r = session.run("ssh", user_at(session), "echo", "hello")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello\n"


def test_ssh_exit_status_passes_through(session):
    r = session.run("ssh", user_at(session), "false")
    assert r.returncode == 1, r.stderr
    r = session.run("ssh", user_at(session), "exit 7")
    assert r.returncode == 7, r.stderr


def test_ssh_login_flag_and_command_flags_after_the_host(session):
    r = session.run("ssh", "-l", session.state["os_user"], "node1", "ls", "-d", "/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "/\n"


def test_ssh_dry_run_prints_the_argv(session):
    r = session.run("ssh", "--dry-run", "-A", "-T", "-L", "8080:localhost:80", "-D", "1080",
                    user_at(session), "uptime")
    assert r.returncode == 0, r.stderr
    line = r.stdout
    assert "-F none" in line
    assert f"HostKeyAlias=node1.{session.state['cluster']}" in line
    assert "proxy ssh" in line and f"--cluster={session.state['cluster']}" in line
    assert "-L 8080:localhost:80" in line and "-D 1080" in line and "ForwardAgent=yes" in line
    assert line.rstrip().endswith("-- node1 uptime")


def test_ssh_refuses_an_unsafe_node_name(session):
    r = session.run("ssh", "alice@no de", "true")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: ")
    assert "node name" in r.stderr


def test_ssh_node_names_are_case_sensitive(session):
    r = session.run("ssh", user_at(session, "NODE1"), "true")
    assert r.returncode != 0


def test_ssh_without_login_says_so(tsh):
    r = tsh.run("ssh", "node1", "true")
    assert r.returncode == 1
    assert "tsh login" in r.stderr


def test_ssh_with_an_expired_certificate_asks_for_login(tsh):
    """Without a terminal, an expired certificate gives the usual relogin message."""
    assert tsh.login("alice").returncode == 0
    expire_certificate(tsh)
    for args in (["ssh", "node1", "true"], ["scp", "a", "node1:/tmp"]):
        r = subprocess.run(["setsid", tsh.binary, *args], input=b"", capture_output=True,
                           timeout=30, env=tsh.env())
        assert r.returncode == 1
        assert re.match(rb"ERROR: your certificate for localhost expired at \d{4}-\d\d-\d\d .*; "
                        rb"run 'tsh login --proxy=localhost'\n$", r.stderr), r.stderr


# ---------------------------------------------------------------- tsh scp

def test_scp_copies_a_file_there_and_back(session, tmp_path):
    src = tmp_path / "hello.txt"
    src.write_text("hello scp\n")
    remote_dir = tmp_path / "remote"
    remote_dir.mkdir()
    r = session.run("scp", str(src), f"{user_at(session)}:{remote_dir}/copied.txt")
    assert r.returncode == 0, r.stderr
    assert (remote_dir / "copied.txt").read_text() == "hello scp\n"
    back = tmp_path / "back.txt"
    r = session.run("scp", f"{user_at(session)}:{remote_dir}/copied.txt", str(back))
    assert r.returncode == 0, r.stderr
    assert back.read_text() == "hello scp\n"


def test_scp_recursive(session, tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "f").write_text("x")
    dest = tmp_path / "dest"
    dest.mkdir()
    r = session.run("scp", "-r", str(tree), f"{user_at(session)}:{dest}")
    assert r.returncode == 0, r.stderr
    assert (dest / "tree" / "sub" / "f").read_text() == "x"


def test_scp_missing_remote_file_fails(session, tmp_path):
    r = session.run("scp", f"{user_at(session)}:/nonexistent/file", str(tmp_path / "x"))
    assert r.returncode != 0


def test_scp_dry_run_has_port_and_recursion(session):
    r = session.run("scp", "--dry-run", "-r", "-P", "3022", "a", "node1:/tmp")
    assert r.returncode == 0, r.stderr
    assert "-P 3022 -r -- a node1:/tmp" in r.stdout


# ---------------------------------------------------------------- no arguments

def test_no_arguments_prints_getting_started(tsh_bin):
    r = subprocess.run([tsh_bin], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    assert "tsh login" in r.stdout and "tsh ssh" in r.stdout and "tsh config" in r.stdout
    assert r.stderr == ""


# ---------------------------------------------------------------- completion

SUBCOMMANDS = ["config", "login", "logout", "ssh", "scp", "proxy", "clusters", "status", "completion", "version"]


@pytest.fixture
def completion_env(tsh_bin, tmp_path):
    """A TELEPORT_HOME with two profiles (names only) and tsh first on PATH."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("proxy.example.com", "other.example.org"):
        (home / f"{name}.yaml").write_text("web_proxy_addr: x\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "tsh").symlink_to(tsh_bin)
    env = dict(os.environ, TELEPORT_HOME=str(home), PATH=f"{bindir}:{os.environ['PATH']}")
    return env, tmp_path


def script(tsh_bin, shell, tmp_path):
    r = subprocess.run([tsh_bin, "completion", shell], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    path = tmp_path / f"tsh.{shell}"
    path.write_text(r.stdout)
    return path


def test_bash_completes_subcommands_and_profiles(tsh_bin, completion_env):
    env, tmp = completion_env
    path = script(tsh_bin, "bash", tmp)
    probe = f"""
source {path}
complete_line() {{ COMP_LINE="$1"; COMP_POINT=${{#COMP_LINE}}; read -ra COMP_WORDS <<< "$1"
  [[ "$1" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=()
  _tsh tsh "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"; echo "${{COMPREPLY[*]}}"; }}
complete_line "tsh co"
complete_line "tsh ssh --proxy o"
complete_line "tsh "
"""
    r = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["config", "completion"]
    assert lines[1].split() == ["other.example.org"]
    assert set(SUBCOMMANDS) <= set(lines[2].split())


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (scripts/setup --sandbox)")
def test_fish_completes_subcommands_and_profiles(tsh_bin, completion_env):
    env, tmp = completion_env
    path = script(tsh_bin, "fish", tmp)
    # Interactive (-i): fish's `commandline` works only there.
    r = subprocess.run(["fish", "-i", "--no-config", "-c",
                        f"source {path}; complete -C 'tsh co'; echo ---; complete -C 'tsh ssh --proxy '"],
                       capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert "ERROR" not in r.stderr, r.stderr
    first, second = r.stdout.split("---\n")
    assert {line.split("\t")[0] for line in first.splitlines()} == {"config", "completion"}
    assert {"proxy.example.com", "other.example.org"} <= {line.split("\t")[0] for line in second.splitlines()}


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (scripts/setup --sandbox)")
def test_zsh_loads_the_script_and_completes_subcommands(tsh_bin, completion_env):
    env, tmp = completion_env
    path = script(tsh_bin, "zsh", tmp)
    fpath = tmp / "zfunc"
    fpath.mkdir()
    (fpath / "_tsh").write_text(path.read_text())
    # zpty drives an interactive zsh: type "tsh co<TAB>", then read the listing.
    probe = f"""
zmodload zsh/zpty
zpty -b z zsh -f -i
zpty -w z 'PS1=">"; fpath=({fpath} $fpath); autoload -U compinit; compinit -u -D'
zpty -w z 'whence -w _tsh; echo loaded'
sleep 1
zpty -n -w z $'tsh co\t'
sleep 3
out=""
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
"""
    r = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert "_tsh: function" in r.stdout, r.stdout + r.stderr
    after_tab = r.stdout.split("tsh co", 1)[-1]
    assert "config" in after_tab and "completion" in after_tab, r.stdout + r.stderr


# ---------------------------------------------------------------- man page

MAN_PAGE = ROOT / "share" / "man" / "man1" / "tsh.1"


def walk(command, path=()):
    yield path, command
    for sub in command.get("subcommands", []):
        if sub["commandName"] != "help":
            yield from walk(sub, path + (sub["commandName"],))


def test_the_man_page_names_every_command_and_flag(tsh_bin):
    """Keeps share/man/man1/tsh.1 in sync: regenerate it with scripts/generate-manual."""
    r = subprocess.run([tsh_bin, "--experimental-dump-help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    import json
    page = MAN_PAGE.read_text()
    missing = []
    for path, command in walk(json.loads(r.stdout)["command"]):
        if path and f"{path[-1]}" not in page:
            missing.append(" ".join(path))
        for arg in command.get("arguments", []):
            if not arg.get("shouldDisplay", True):
                continue
            for name in arg.get("names", []):
                flag = ("--" if name["kind"] == "long" else "-") + name["name"]
                # mdoc writes them on ".It Fl" lines: "Fl -proxy", "Fl p , -port".
                pattern = rf"^\.It Fl .*-{re.escape(name['name'])}\b"
                if name["kind"] == "long" and not re.search(pattern, page, re.M):
                    missing.append(f"{' '.join(path)} {flag}")
        if command.get("abstract") and command["abstract"] not in page.replace("\n", " "):
            missing.append(f"{' '.join(path)}: abstract")
    assert not missing, "tsh.1 is out of date (run scripts/generate-manual): " + ", ".join(missing)


@pytest.mark.skipif(shutil.which("man") is None, reason="man-db is not installed (scripts/setup --sandbox)")
def test_man_renders_the_page():
    r = subprocess.run(["man", "-l", str(MAN_PAGE)], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="100"))
    assert r.returncode == 0, r.stderr
    assert "tsh ssh" in r.stdout or "ssh" in r.stdout
    assert "SYNOPSIS" in r.stdout and "Teleport client for OpenSSH" in r.stdout


# ---------------------------------------------------------------- scripts/install

def test_install_into_a_prefix_then_login_ssh_and_config(tsh_bin, sandbox, tmp_path):
    prefix = tmp_path / "prefix"
    r = subprocess.run([str(ROOT / "scripts" / "install"), "--prefix", str(prefix), "--binary", tsh_bin],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    installed = prefix / "bin" / "tsh"
    assert os.access(installed, os.X_OK)
    for path in ("share/man/man1/tsh.1", "share/bash-completion/completions/tsh",
                 "share/zsh/site-functions/_tsh", "share/fish/vendor_completions.d/tsh.fish"):
        assert (prefix / path).stat().st_size > 0, path
    assert f"Add {prefix}/bin to your PATH" in r.stdout
    t = Tsh(str(installed), tmp_path / "home", sandbox)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    r = t.run("ssh", f"{sandbox['os_user']}@node1", "echo", "installed")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "installed\n"
    r = t.run("config")
    assert r.returncode == 0, r.stderr
    assert f'ProxyCommand "{installed}" proxy ssh' in r.stdout


# ---------------------------------------------------------------- --debug

def secrets_of(t):
    """The password, and the bodies of every key and certificate in the profile."""
    out = [t.state["users"]["alice"]["password"]]
    for path in t.home.rglob("*"):
        if path.is_file() and path.stat().st_size < 100_000:
            text = path.read_text(errors="replace")
            for line in text.splitlines():
                words = line.split()
                for word in words:
                    if len(word) >= 40 and "/" not in word[:1]:
                        out.append(word[:40])
    return out


def test_debug_shows_requests_transport_and_argv_but_no_secret(tsh, sandbox):
    r = tsh.login("alice", "--debug")
    assert r.returncode == 0, r.stderr
    assert "DEBUG" in r.stderr and "HTTP POST" in r.stderr and "/webapi/mfa/login/" in r.stderr
    logs = r.stderr
    r = tsh.run("-d", "ssh", f"{sandbox['os_user']}@node1", "ls", "-d", "/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "/\n"   # -d after the target is the remote command's
    assert "exec: " in r.stderr and "-F none" in r.stderr
    logs += r.stderr
    r = tsh.run("proxy", "ssh", "--debug", "--dry-run", "node1")
    logs += r.stderr
    r = tsh.run("status", env={"TELEPORT_DEBUG": "1"})
    assert r.returncode == 0, r.stderr
    assert "DEBUG" in r.stderr
    logs += r.stderr
    for secret in secrets_of(tsh):
        assert secret not in logs, secret
    assert "PRIVATE KEY" not in logs and "CERTIFICATE" not in logs

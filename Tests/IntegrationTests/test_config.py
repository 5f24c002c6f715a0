"""tsh config: offline rendering from the profile, and --install/--uninstall."""
import os
import pathlib
import stat

import pytest


@pytest.fixture
def logged_in(tsh):
    r = tsh.login("alice")
    assert r.returncode == 0, r.stderr
    return tsh


def expected_config(t, login=None, port=3022, leaves=None):
    """What real tsh prints; the leaf comes from the cluster list login cached."""
    leaves = [t.state["leaf_cluster"]] if leaves is None else leaves
    home = t.home
    exe = os.path.realpath(t.binary)
    cluster = t.state["cluster"]
    user = f'    User "{login}"\n' if login else ""
    out = "# Begin generated Teleport configuration for localhost by tsh\n\n"
    for c in [cluster, *leaves]:
        out += (f"# Common flags for all {c} hosts\n"
                f"Host *.{c} localhost\n"
                f'    UserKnownHostsFile "{home}/known_hosts"\n'
                f'    IdentityFile "{home}/keys/localhost/alice"\n'
                f'    CertificateFile "{home}/keys/localhost/alice-ssh/{cluster}-cert.pub"\n'
                f"{user}\n"
                f"# Flags for all {c} hosts except the proxy\n"
                f"Host *.{c} !localhost\n"
                f"    Port {port}\n"
                f'    ProxyCommand "{exe}" proxy ssh --cluster={c} --proxy={t.state["web_addr"]} %r@%h:%p\n')
    return out + f"{user}\n# End generated Teleport configuration\n"


def test_config_prints_only_the_configuration(logged_in):
    r = logged_in.run("config")
    assert r.returncode == 0
    assert r.stderr == ""
    assert r.stdout == expected_config(logged_in)


def test_login_and_port_flags_and_environment(logged_in):
    assert logged_in.run("config", "-l", "root", "-p", "2222").stdout == expected_config(logged_in, "root", 2222)
    r = logged_in.run("config", env={"TELEPORT_LOGIN": "ubuntu"})
    assert r.stdout == expected_config(logged_in, "ubuntu")


def test_multiplex_flag_adds_only_the_proxy_flag(logged_in):
    r = logged_in.run("config", "--multiplex")
    assert r.stdout == expected_config(logged_in).replace(" proxy ssh ", " proxy ssh --multiplex ")


def test_leaf_clusters_come_from_the_cached_list(logged_in):
    cache = logged_in.home / "keys" / "localhost" / "clusters"
    assert cache.read_text() == f"{logged_in.state['cluster']}\n{logged_in.state['leaf_cluster']}\n"
    cache.write_text(f"{logged_in.state['cluster']}\n")
    r = logged_in.run("config")
    assert r.stdout == expected_config(logged_in, leaves=[])


def test_config_without_a_profile_fails_cleanly(tsh):
    r = tsh.run("config")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "ERROR: Not logged in.\n"


def test_a_hostile_cached_cluster_is_refused_and_nothing_is_printed(logged_in):
    cache = logged_in.home / "keys" / "localhost" / "clusters"
    cache.write_text("sandbox.test\nevil ProxyCommand sh -c 'touch /tmp/pwned' %h\n")
    r = logged_in.run("config")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith("ERROR: ") and "evil ProxyCommand" in r.stderr


def test_a_hostile_profile_user_is_refused(logged_in):
    yaml = logged_in.home / "localhost.yaml"
    yaml.write_text(yaml.read_text().replace("user: alice", 'user: "alice\\n    ProxyCommand evil"'))
    r = logged_in.run("config")
    assert (r.returncode, r.stdout) == (1, "")
    assert "user name" in r.stderr


def test_custom_template(logged_in, tmp_path):
    template = tmp_path / "mine.mustache"
    template.write_text("{{#clusters}}Host {{{name}}} {{{proxyHost}}} {{{identityFilePath}}}\n{{/clusters}}")
    r = logged_in.run("config", f"--template={template}")
    assert r.returncode == 0, r.stderr
    key = f"{logged_in.home}/keys/localhost/alice"
    assert r.stdout == f"Host sandbox.test localhost {key}\nHost leaf.test localhost {key}\n"


def run_with_home(t, home, *args):
    return t.run(*args, env={"HOME": str(home)})


def test_install_and_uninstall_round_trip_keeps_the_users_file(logged_in, tmp_path):
    home = tmp_path / "user-home"
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(parents=True)
    user_config = ssh_dir / "config"
    original = "# my hosts\nHost work\n    HostName work.example.org\n    User me\n"
    user_config.write_text(original)
    user_config.chmod(0o640)

    r = run_with_home(logged_in, home, "config", "--install")
    assert r.returncode == 0, r.stderr
    installed = logged_in.home / "ssh_config"
    # The installed config shares proxy connections (tsh proxy ssh --multiplex).
    assert installed.read_text() == expected_config(logged_in).replace(" proxy ssh ", " proxy ssh --multiplex ")
    assert stat.S_IMODE(installed.stat().st_mode) == 0o600
    text = user_config.read_text()
    assert text.startswith("# BEGIN tsh config --install")
    assert f'Include "{installed}"\n' in text
    assert text.endswith(original)
    assert stat.S_IMODE(user_config.stat().st_mode) == 0o640, "the user's mode is kept"
    assert (ssh_dir / "config.tsh-backup").read_text() == original
    assert "added an Include" in r.stdout

    again = run_with_home(logged_in, home, "config", "--install")
    assert again.returncode == 0
    assert user_config.read_text() == text, "installing twice changes nothing"
    assert text.count("# BEGIN tsh config --install") == 1
    assert "nothing to change" in again.stdout

    r = run_with_home(logged_in, home, "config", "--uninstall")
    assert r.returncode == 0, r.stderr
    assert user_config.read_text() == original
    assert not installed.exists()
    assert "removed the tsh section" in r.stdout


def test_install_creates_a_missing_ssh_directory(logged_in, tmp_path):
    home = tmp_path / "fresh-home"
    home.mkdir()
    r = run_with_home(logged_in, home, "config", "--install")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE((home / ".ssh").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / ".ssh" / "config").stat().st_mode) == 0o600
    assert "created" in r.stdout


def test_install_refuses_a_read_only_config_and_changes_nothing(logged_in, tmp_path):
    home = tmp_path / "ro-home"
    (home / ".ssh").mkdir(parents=True)
    user_config = home / ".ssh" / "config"
    user_config.write_text("Host x\n")
    user_config.chmod(0o444)
    r = run_with_home(logged_in, home, "config", "--install")
    assert r.returncode == 1
    assert r.stderr.startswith("ERROR: ") and "read-only" in r.stderr and "Include" in r.stderr
    assert user_config.read_text() == "Host x\n"


def test_install_follows_a_symlinked_config(logged_in, tmp_path):
    home = tmp_path / "link-home"
    (home / ".ssh").mkdir(parents=True)
    real = tmp_path / "dotfiles-ssh-config"
    real.write_text("Host y\n")
    (home / ".ssh" / "config").symlink_to(real)
    r = run_with_home(logged_in, home, "config", "--install")
    assert r.returncode == 0, r.stderr
    assert (home / ".ssh" / "config").is_symlink()
    assert real.read_text().startswith("# BEGIN tsh config --install")

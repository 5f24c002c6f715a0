"""tsh ls: the nodes of the root or a leaf, from the auth server through the proxy,
across pages (the sandbox's root has more than 1,000 nodes), with filters."""
import pytest

from conftest import Tsh, running_sandbox


@pytest.fixture(scope="module")
def session(tsh_bin, sandbox, tmp_path_factory):
    t = Tsh(tsh_bin, tmp_path_factory.mktemp("ls") / "home", sandbox)
    r = t.login("alice")
    assert r.returncode == 0, r.stderr
    return t


def names(t, *args):
    r = t.run("ls", "--format=names", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def test_root_lists_every_node_across_pages_sorted(session):
    got = names(session)
    assert len(got) > 1000
    assert got == sorted(got, key=lambda s: s.encode())
    assert "node1" in got


def test_text_table(session):
    r = session.run("ls")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["Node", "Name", "Address", "Labels"]
    # Go's asciitable: dashes as wide as each column, every cell padded.
    dashes = lines[1].split()
    assert len(dashes) == 3 and len(lines[1]) == len(lines[0])
    assert len(dashes[0]) == max(len(n.encode()) for n in ["Node Name", *names(session)])
    assert all(line.endswith(" ") for line in lines)
    assert len(lines) == len(names(session)) + 2
    # Not a terminal: nothing is cut, as Go tsh does for a pipe.
    assert not any(line.rstrip().endswith("...") for line in lines[2:])


def test_text_table_fits_columns(session):
    full = session.run("ls").stdout.splitlines()
    r = session.run("ls", env={"COLUMNS": "60"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(full)
    assert max(len(line) for line in lines) <= 60 < max(len(line) for line in full)
    assert any(line.rstrip().endswith("...") for line in lines[2:])


def test_leaf_cluster(session):
    leaf = session.state["leaf_cluster"]
    got = names(session, f"--cluster={leaf}")
    assert "leafnode1" in got
    assert "node1" not in got
    assert 0 < len(got) < 100


def test_label_search_and_query_filters_narrow_the_list(session):
    everything = names(session)
    r = session.run("ls", "--format=names", "--search=node1")
    assert r.returncode == 0, r.stderr
    assert "node1" in r.stdout.splitlines()
    assert len(r.stdout.splitlines()) < len(everything)
    q = names(session, '--query=name == "node1"')
    assert q == ["node1"]


def test_a_bad_query_is_an_error(session):
    r = session.run("ls", "--query=nosuchthing(")
    assert r.returncode != 0
    assert r.stderr


@pytest.mark.parametrize("flags", [("--tls-routing",)], ids=["tls-routing"])
def test_ls_through_tls_routing(tsh_bin, tmp_path, flags):
    with running_sandbox(tmp_path / "sb", *flags) as state:
        t = Tsh(tsh_bin, tmp_path / "home", state)
        assert t.login("alice").returncode == 0
        assert len(names(t)) > 1000
        assert "leafnode1" in names(t, f"--cluster={state['leaf_cluster']}")


def test_json_has_go_tsh_shape(session):
    import json
    r = session.run("ls", "--format=json", '--query=name == "node1"')
    assert r.returncode == 0, r.stderr
    nodes = json.loads(r.stdout)
    assert [n["spec"]["hostname"] for n in nodes] == ["node1"]
    n = nodes[0]
    assert list(n) [:1] == ["kind"] and n["kind"] == "node" and n["version"] == "v2"
    assert "namespace" not in n["metadata"]
    rot = n["spec"]["rotation"]
    assert rot["started"] == "0001-01-01T00:00:00Z"
    assert set(rot["schedule"]) == {"update_clients", "update_servers", "standby"}
    assert r.stdout.startswith("[\n  {\n    \"kind\": \"node\",")
    r = session.run("ls", "--format=json", "nosuchlabel=x")
    assert (r.returncode, r.stdout) == (0, "[]\n")


def test_yaml_is_the_json_document_as_go_tsh_prints_it(session):
    """ghodss/yaml: the JSON's structure with sorted keys, then fmt.Println's empty line."""
    import json
    q = '--query=name == "node1"'
    r = session.run("ls", "--format=yaml", q)
    assert r.returncode == 0, r.stderr
    node = json.loads(session.run("ls", "--format=json", q).stdout)[0]
    assert r.stdout.startswith("- kind: node\n  metadata:\n    labels:\n      env: sandbox\n"
                               "      sshd: openssh\n    name: ")
    assert r.stdout.endswith("\n\n") and not r.stdout.endswith("\n\n\n")
    assert f"    hostname: {node['spec']['hostname']}\n" in r.stdout
    assert '    started: "0001-01-01T00:00:00Z"\n' in r.stdout
    assert "  version: v2\n" in r.stdout
    # Keys in sorted order at each level.
    top = [line[2:].split(":")[0] for line in r.stdout.splitlines() if line[:2] in ("- ", "  ")
           and line[2:3] != " "]
    assert top == sorted(node)
    everything = session.run("ls", "--format=yaml")
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.count("- kind: node\n") == len(names(session))
    r = session.run("ls", "--format=yaml", "nosuchlabel=x")
    assert (r.returncode, r.stdout) == (0, "[]\n\n")


def test_an_expired_certificate_gives_the_relogin_message(tsh):
    import re
    from test_proxy_ssh import expire_certificate
    assert tsh.login("alice").returncode == 0
    expire_certificate(tsh)
    for fmt in ("text", "json"):
        r = tsh.run("ls", f"--format={fmt}")
        assert r.returncode == 1
        assert re.match(r"ERROR: your certificate for localhost expired at \d{4}-\d\d-\d\d .*; "
                        r"run 'tsh login --proxy=localhost'\n$", r.stderr), r.stderr
        assert r.stdout == ""


def test_a_page_over_the_message_limit_is_asked_for_in_halves(tsh_bin, tmp_path):
    """The sandbox's auth servers send at most 200,000 bytes a message; a page of 1,000
    nodes is larger, so the server answers RESOURCE_EXHAUSTED and tsh asks for 500, then
    keeps that size for the pages after it (api/client GetUnifiedResourcePage)."""
    with running_sandbox(tmp_path / "sb", "--hostile", "auth-send-limit") as state:
        t = Tsh(tsh_bin, tmp_path / "home", state)
        assert t.login("alice").returncode == 0
        r = t.run("ls", "--format=names", env={"TELEPORT_DEBUG": "1"})
        assert r.returncode == 0, r.stderr
        got = r.stdout.splitlines()
        assert len(got) > 1200
        assert got == sorted(got, key=lambda s: s.encode())
        assert r.stderr.count("asking for 500 nodes a page") == 1, r.stderr


def test_every_format_on_the_leaf_and_verbose(session):
    import json
    leaf = f"--cluster={session.state['leaf_cluster']}"
    want = names(session, leaf)
    r = session.run("ls", leaf, "--format=json")
    assert r.returncode == 0, r.stderr
    assert sorted(n["spec"]["hostname"] for n in json.loads(r.stdout)) == sorted(want)
    r = session.run("ls", leaf, "--format=yaml")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("- kind: node\n") == len(want)
    r = session.run("ls", leaf, "-v")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["Node", "Name", "Node", "ID", "Address", "Labels"]
    assert len(lines) == len(want) + 2

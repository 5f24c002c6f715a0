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
    assert lines[1].split() == ["---------", "-------", "------"]
    assert len(lines) == len(names(session)) + 2


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

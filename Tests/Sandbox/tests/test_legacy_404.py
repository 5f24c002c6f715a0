"""--no-legacy-login: a proxy without the /webapi/ssh/certs route."""

import json

from sandbox import login_testing as lt
from sandbox import testing

from login_checks import check_login_reply

ROUTE_NOT_FOUND = {"error": {"message": "path not found"},
                   "fields": {"proxyVersion": {"major": 17, "minor": 0, "patch": 0,
                                               "preRelease": "", "string": "17.0.0"}}}


def test_ssh_certs_is_404(pool, tmp_path):
    s = pool.get(no_legacy_login=True)
    assert s["legacy_login"] is False
    keys = testing.ClientKeys.generate(str(tmp_path), s["suite"])
    alice = s["users"]["alice"]
    st, body = testing.get_certs(s, "alice", alice["password"], None, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 404 and body == ROUTE_NOT_FOUND
    st, body = testing.web_request(s, "GET", "/webapi/ssh/certs")
    assert st == 404 and body == ROUTE_NOT_FOUND
    # The MFA endpoints are there.
    st, resp = lt.mfa_finish(s, "alice", alice["password"], keys)
    assert st == 200
    check_login_reply(s, keys, resp, "alice")


def test_default_keeps_the_legacy_route(sbx):
    assert sbx["legacy_login"] is True
    st, body = testing.web_request(sbx, "GET", "/webapi/ssh/certs")
    assert st == 405


def test_unknown_route_body_is_compact(sbx):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(f"https://{sbx['web_addr']}/webapi/nope")
    try:
        urllib.request.urlopen(req, context=testing.web_ssl_context(sbx))
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as e:
        assert e.code == 404
        raw = e.read().decode()
    assert raw == json.dumps(ROUTE_NOT_FOUND, separators=(",", ":"))

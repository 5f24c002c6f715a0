"""--sso github|oidc|saml: ping's auth shape, the console request, the fake identity
provider, and the encrypted way back to the client's callback."""

import json
import urllib.parse

import pytest

from sandbox import login_testing as lt
from sandbox import sso, testing

from login_checks import check_login_reply

INVALID_REDIRECT = ("Failed to login due to a disallowed callback URL. "
                    "Please check Teleport's log for more details.")
FAILURE = "Failed to login. Please check Teleport's log for more details."


@pytest.fixture(scope="module", params=["github", "oidc", "saml"])
def sso_sbx(request, pool):
    return pool.get(sso=request.param)


def test_state_keys(sso_sbx):
    kind = sso_sbx["sso"]
    name, display = sso.DEFAULT_CONNECTOR[kind]
    assert sso_sbx["sso_connector"] == name and sso_sbx["sso_display"] == display
    assert sso_sbx["sso_user"] == "alice" and sso_sbx["sso_deny"] is False
    assert sso_sbx["sso_idp_url"].startswith("http://127.0.0.1:")
    assert sso_sbx["sso_idp_url"].endswith("/authorize")


def test_ping_auth_shape(sso_sbx):
    kind = sso_sbx["sso"]
    _, ping = testing.web_request(sso_sbx, "GET", "/webapi/ping")
    auth = ping["auth"]
    assert auth["type"] == kind
    obj = auth[kind]
    assert obj["name"] == sso_sbx["sso_connector"] and obj["display"] == sso_sbx["sso_display"]
    extra = {"github": "EndpointURL", "oidc": "IssuerURL", "saml": "SSO"}[kind]
    assert set(obj) == {"name", "display", extra}
    # Go omits nil pointers and false omitempty booleans for an SSO default.
    for absent in ("local", "allow_passwordless", "allow_headless", "webauthn") + \
            tuple(t for t in sso.TYPES if t != kind):
        assert absent not in auth
    assert auth["second_factor"] == "optional"
    assert auth["signature_algorithm_suite"] == sso_sbx["suite"]
    # /webapi/ping/<connector> (pingWithConnector).
    st, p2 = testing.web_request(sso_sbx, "GET", f"/webapi/ping/{sso_sbx['sso_connector']}")
    assert st == 200 and p2["auth"] == auth
    st, p3 = testing.web_request(sso_sbx, "GET", "/webapi/ping/local")
    assert st == 200 and p3["auth"]["type"] == "local"
    assert p3["auth"]["local"] == {"name": "local"}
    st, body = testing.web_request(sso_sbx, "GET", "/webapi/ping/nope")
    assert st == 400
    assert body["error"]["message"] == \
        f"invalid connector name: nope; valid options: {sso_sbx['sso_connector']}"


def test_end_to_end(sso_sbx, tmp_path):
    kind = sso_sbx["sso"]
    keys = testing.ClientKeys.generate(str(tmp_path), sso_sbx["suite"])
    with lt.CallbackServer(sso_sbx) as cb:
        st, body = lt.sso_console(sso_sbx, kind, cb.url, keys)
        assert st == 200 and set(body) == {"redirect_url"}
        assert body["redirect_url"].startswith(sso_sbx["sso_idp_url"] + "?state=")
        status, final_url, page = lt.browse(sso_sbx, body["redirect_url"])
        # The browser ends on the proxy's success page, sent there by the callback.
        assert status == 200
        assert final_url == f"https://{sso_sbx['web_addr']}/web/msg/info/login_success"
        assert "Login Successful" in page
        assert len(cb.requests) == 1
        # `response` replaced the whole query: the secret is not sent back.
        assert list(cb.requests[0]) == ["response"]
        sealed = json.loads(cb.requests[0]["response"][0])
        assert set(sealed) == {"ciphertext", "nonce"}
        resp = json.loads(cb.decrypt())
    check_login_reply(sso_sbx, keys, resp, "alice")
    # The login request is single-use.
    status, _, page = lt.browse(sso_sbx, body["redirect_url"])
    assert status == 400 and "unknown or has expired" in page


def test_legacy_suite_and_other_user(pool, tmp_path):
    s = pool.get(suite="legacy", sso="github", sso_user="bob")
    keys = testing.ClientKeys.generate(str(tmp_path), "legacy")
    with lt.CallbackServer(s) as cb:
        st, body = lt.sso_console(s, "github", cb.url, keys, ttl_ns=3600 * 10**9)
        assert st == 200
        lt.browse(s, body["redirect_url"])
        resp = json.loads(cb.decrypt())
    check_login_reply(s, keys, resp, "bob")


def test_denial_sends_err(pool, tmp_path):
    s = pool.get(sso="github", sso_deny=True)
    assert s["sso_deny"] is True
    keys = testing.ClientKeys.generate(str(tmp_path), s["suite"])
    with lt.CallbackServer(s) as cb:
        st, body = lt.sso_console(s, "github", cb.url, keys)
        assert st == 200
        status, final_url, _ = lt.browse(s, body["redirect_url"])
        assert final_url.endswith("/web/msg/error/login") and status == 200
        q = cb.requests[0]
        # RedirectURLWithError keeps the client's query and adds err (sorted keys).
        assert set(q) == {"err", "secret_key"}
        assert q["err"] == [sso.DENY_MESSAGES["github"]]
        assert cb.raw_queries[0].startswith("err=")


def test_unknown_user_is_denied(sso_sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), sso_sbx["suite"])
    with lt.CallbackServer(sso_sbx) as cb:
        _, body = lt.sso_console(sso_sbx, sso_sbx["sso"], cb.url, keys)
        lt.browse(sso_sbx, body["redirect_url"] + "&user=mallory")
        assert "err" in cb.requests[0] and "response" not in cb.requests[0]


@pytest.mark.parametrize("url", [
    "http://evil.example.com/callback?secret_key=00",
    "https://localhost/callback?secret_key=00",
    "http://127.0.0.1:1234/callback",
    "http://127.0.0.1:1234/callback?secret_key=00&x=1",
    "http://127.0.0.1:1234/callback?secret_key=00&secret_key=11",
    "http://127.0.0.1:1234/other?secret_key=00",
    "http://127.0.0.1:1234/%63allback?secret_key=00",
    "http://127.0.0.1:1234/callback?secret_key=00#frag",
    "http://user@127.0.0.1:1234/callback?secret_key=00",
    "http://LOCALHOST:1234/callback?secret_key=00",
    "ftp://127.0.0.1:1234/callback?secret_key=00",
    "http:callback?secret_key=00",
    "http://127.0.0.1:1234/callback?secret_key=00;x=1",
    "http://127.0.0.2:1234/callback?secret_key=00",
])
def test_forged_redirect_refused(pool, tmp_path_factory, url):
    s = pool.get(sso="github")
    keys = _keys(tmp_path_factory, s)
    st, body = lt.sso_console(s, "github", url, keys)
    assert st == 403 and body == {"error": {"message": INVALID_REDIRECT}}


@pytest.mark.parametrize("url", [
    "http://localhost:1/callback?secret_key=00",
    "http://[::1]:1/callback?secret_key=00",
    "http://127.0.0.1:1/callback?secret_key=00",
])
def test_local_redirects_accepted(pool, tmp_path_factory, url):
    s = pool.get(sso="github")
    st, body = lt.sso_console(s, "github", url, _keys(tmp_path_factory, s))
    assert st == 200, body


def test_console_failures_are_obscured(pool, tmp_path_factory):
    s = pool.get(sso="github")
    keys = _keys(tmp_path_factory, s)
    url = "http://127.0.0.1:1/callback?secret_key=00"
    for kind, kwargs in (("github", {"connector_id": "nope"}),
                         ("oidc", {}),
                         ("github", {"connector_id": ""})):
        st, body = lt.sso_console(s, kind, url, keys, **kwargs)
        assert st == 403 and body == {"error": {"message": FAILURE}}
    st, body = lt.sso_console(s, "github", url, None)  # no keys
    assert st == 403 and body == {"error": {"message": FAILURE}}
    st, body = lt.sso_console(s, "github", "", keys)
    assert st == 403 and body == {"error": {"message": FAILURE}}
    # Unknown connector and a bad URL: the connector is looked up first.
    st, body = lt.sso_console(s, "github", "http://evil/callback?secret_key=0", keys,
                              connector_id="nope")
    assert st == 403 and body == {"error": {"message": FAILURE}}
    st, body = testing.web_request(s, "POST", "/webapi/github/login/console", {"x": 1},
                                   content_type="text/plain")
    assert st == 403 and body == {"error": {"message": FAILURE}}


def test_no_sso_sandbox_refuses_console(sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    st, body = lt.sso_console(sbx, "github", "http://127.0.0.1:1/callback?secret_key=00",
                              keys, connector_id="github")
    assert st == 403 and body == {"error": {"message": FAILURE}}
    assert sbx["sso"] is None and sbx["sso_idp_url"] is None


def test_message_pages(sbx):
    for path, text in (("/web/msg/info/login_success", "Login Successful"),
                       ("/web/msg/error/login", "Login Unsuccessful")):
        status, _, page = lt.browse(sbx, f"https://{sbx['web_addr']}{path}")
        assert status == 200 and text in page


def test_seal_roundtrip():
    key = "11" * 32
    sealed = sso.seal(key, b"hello")
    assert sso.open_sealed(key, sealed) == b"hello"
    assert len(__import__("base64").b64decode(json.loads(sealed)["nonce"])) == 12
    q = urllib.parse.parse_qs(sso.construct_ssh_response(
        "http://127.0.0.1:9/callback?secret_key=" + key, {"username": "a"}).split("?", 1)[1])
    assert list(q) == ["response"]


_KEYS = {}


def _keys(factory, s):
    if s["suite"] not in _KEYS:
        _KEYS[s["suite"]] = testing.ClientKeys.generate(str(factory.mktemp("k")), s["suite"])
    return _KEYS[s["suite"]]

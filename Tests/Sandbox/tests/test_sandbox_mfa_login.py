"""POST /webapi/mfa/login/begin and /webapi/mfa/login/finish (the v17 local login)."""

import base64

import pytest

from sandbox import login_testing as lt
from sandbox import testing

from login_checks import check_login_reply


@pytest.fixture(scope="module", params=["balanced-v1", "legacy"])
def on_sbx(request, pool):
    # second_factor "on": TOTP required; a sandbox of its own, so that no other test
    # spends bob's current TOTP code.
    return pool.get(suite=request.param, second_factor="on")


def test_begin_challenge_follows_devices(on_sbx):
    alice, bob = on_sbx["users"]["alice"], on_sbx["users"]["bob"]
    st, chal = lt.mfa_begin(on_sbx, "bob", bob["password"])
    assert st == 200 and chal == {"webauthn_challenge": None, "totp_challenge": True}
    # alice has no device: an empty challenge (she cannot finish in this mode).
    st, chal = lt.mfa_begin(on_sbx, "alice", alice["password"])
    assert st == 200 and chal == {"webauthn_challenge": None, "totp_challenge": False}


def test_begin_bad_credentials_are_403(on_sbx):
    bob = on_sbx["users"]["bob"]
    for user, password in (("bob", "wrong"), ("nobody", "x"), ("bob", "")):
        st, body = lt.mfa_begin(on_sbx, user, password)
        assert st == 403 and body == {"error": {"message": "invalid credentials"}}
    st, body = lt.mfa_begin(on_sbx, "bob", bob["password"], passwordless=True)
    assert st == 400 and body["error"]["message"] == "passwordless disabled by cluster settings"


def test_finish_with_totp_then_replay(on_sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), on_sbx["suite"])
    bob = on_sbx["users"]["bob"]
    st, chal = lt.mfa_begin(on_sbx, "bob", bob["password"])
    assert st == 200 and chal["totp_challenge"] is True
    code = lt.fresh_totp(on_sbx, "bob")
    st, resp = lt.mfa_finish(on_sbx, "bob", bob["password"], keys, totp_code=code)
    assert st == 200, resp
    assert set(resp) == {"username", "cert", "tls_cert", "host_signers"}
    check_login_reply(on_sbx, keys, resp, "bob")
    # The same code again: refused, at finish and at /webapi/ssh/certs alike.
    st, body = lt.mfa_finish(on_sbx, "bob", bob["password"], keys, totp_code=code)
    assert st == 403
    assert body == {"error": {"message": "invalid username, password or second factor"}}
    st, body = testing.get_certs(on_sbx, "bob", bob["password"], code, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 403


def test_finish_refusals(on_sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), on_sbx["suite"])
    alice, bob = on_sbx["users"]["alice"], on_sbx["users"]["bob"]
    wrong = "000000" if testing.totp_now(bob["totp_secret"]) != "000000" else "111111"
    st, body = lt.mfa_finish(on_sbx, "bob", bob["password"], keys, totp_code=wrong)
    assert st == 403
    assert body["error"]["message"] == "invalid username, password or second factor"
    st, body = lt.mfa_finish(on_sbx, "bob", "wrong", keys,
                             totp_code=testing.totp_now(bob["totp_secret"]))
    assert st == 403
    assert body["error"]["message"] == "invalid username, password or second factor"
    # No second factor where one is required.
    for user, u in (("bob", bob), ("alice", alice)):
        st, body = lt.mfa_finish(on_sbx, user, u["password"], keys)
        assert st == 403 and body["error"]["message"] == "missing second factor"
    # Keys are checked first (lib/client/weblogin.go UserPublicKeys.CheckAndSetDefaults).
    st, body = lt.mfa_finish(on_sbx, "bob", bob["password"], None, totp_code=wrong)
    assert st == 400
    assert body["error"]["message"] == "'ssh_pub_key' or 'tls_pub_key' must be set"
    st, body = lt.mfa_finish(on_sbx, "bob", bob["password"], keys, totp_code=wrong,
                             extra={"pub_key": base64.b64encode(b"x").decode()})
    assert st == 400
    assert body["error"]["message"] == "'pub_key' and 'ssh_pub_key' cannot both be set"


def test_nothing_secret_is_logged(on_sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), on_sbx["suite"])
    bob = on_sbx["users"]["bob"]
    lt.mfa_begin(on_sbx, "bob", bob["password"])
    lt.mfa_finish(on_sbx, "bob", bob["password"], keys, totp_code="424242")
    log = open(on_sbx["requests_log"]).read()
    assert bob["password"] not in log and "424242" not in log
    assert '"path": "/webapi/mfa/login/finish"' in log


def test_optional_mode_password_only_finish(sbx, tmp_path):
    """The default sandbox (second_factor optional): a user without a device finishes
    with the password alone, after an empty challenge."""
    keys = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    alice = sbx["users"]["alice"]
    st, chal = lt.mfa_begin(sbx, "alice", alice["password"])
    assert st == 200 and chal == {"webauthn_challenge": None, "totp_challenge": False}
    st, resp = lt.mfa_finish(sbx, "alice", alice["password"], keys)
    assert st == 200, resp
    check_login_reply(sbx, keys, resp, "alice")
    st, body = lt.mfa_finish(sbx, "alice", "wrong", keys)
    assert st == 403 and body["error"]["message"] == "invalid username or password"
    st, body = lt.mfa_finish(sbx, "bob", sbx["users"]["bob"]["password"], keys)
    assert st == 403 and body["error"]["message"] == "missing second factor authentication"

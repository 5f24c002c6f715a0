"""--second-factor webauthn: the challenge offers a security key only."""

import base64

from sandbox import login_testing as lt
from sandbox import testing


def test_ping_says_webauthn(pool):
    s = pool.get(second_factor="webauthn")
    assert s["second_factor"] == "webauthn"
    _, ping = testing.web_request(s, "GET", "/webapi/ping")
    auth = ping["auth"]
    assert auth["second_factor"] == "webauthn"
    assert auth["preferred_local_mfa"] == "webauthn"
    assert auth["webauthn"] == {"rp_id": "localhost"}


def test_challenge_is_webauthn_only(pool):
    s = pool.get(second_factor="webauthn")
    for user in ("alice", "bob"):  # bob's TOTP device does not count here
        st, chal = lt.mfa_begin(s, user, s["users"][user]["password"])
        assert st == 200
        assert chal["totp_challenge"] is False
        pk = chal["webauthn_challenge"]["publicKey"]
        assert set(pk) == {"challenge", "timeout", "rpId", "allowCredentials",
                           "userVerification"}
        # Go's []byte: standard, padded base64.
        assert len(base64.b64decode(pk["challenge"], validate=True)) == 32
        assert pk["rpId"] == "localhost"
        assert pk["timeout"] == 60000
        assert pk["userVerification"] == "discouraged"
        (cred,) = pk["allowCredentials"]
        assert cred["type"] == "public-key"
        assert len(base64.b64decode(cred["id"], validate=True)) == 32
    st, body = lt.mfa_begin(s, "alice", "wrong")
    assert st == 403 and body["error"]["message"] == "invalid credentials"


def test_nothing_but_a_security_key_finishes(pool, tmp_path):
    s = pool.get(second_factor="webauthn")
    keys = testing.ClientKeys.generate(str(tmp_path), s["suite"])
    bob = s["users"]["bob"]
    code = testing.totp_now(bob["totp_secret"])
    st, body = lt.mfa_finish(s, "bob", bob["password"], keys, totp_code=code)
    assert st == 403
    assert body["error"]["message"] == "invalid username, password or second factor"
    st, body = lt.mfa_finish(s, "bob", bob["password"], keys)
    assert st == 403 and body["error"]["message"] == "missing second factor"
    fake = {"id": "AAAA", "type": "public-key", "rawId": "AAAA",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA",
                         "signature": "AAAA"}}
    st, body = lt.mfa_finish(s, "bob", bob["password"], keys,
                             extra={"webauthn_challenge_response": fake})
    assert st == 403 and body["error"]["message"] == "invalid credentials"
    st, body = testing.get_certs(s, "bob", bob["password"], code, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 403

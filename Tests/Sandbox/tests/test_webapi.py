import base64
import datetime as dt
import json
import re
import subprocess

import pytest

from cryptography import x509

from sandbox import testing


def test_ping_and_find(sbx):
    st, ping = testing.web_request(sbx, "GET", "/webapi/ping")
    assert st == 200
    assert ping["auth"]["type"] == "local"
    assert ping["auth"]["second_factor"] == "optional"
    assert ping["auth"]["local"] == {"name": ""}
    assert ping["auth"]["signature_algorithm_suite"] == sbx["suite"]
    ssh = ping["proxy"]["ssh"]
    assert ssh["public_addr"] == f"localhost:{sbx['web_port']}"
    assert ssh["ssh_public_addr"] == f"localhost:{sbx['ssh_port']}"
    assert ssh["listen_addr"] == f"0.0.0.0:{sbx['ssh_port']}"
    assert ssh["dial_timeout"] == 30000000000
    assert ping["proxy"]["tls_routing_enabled"] is False
    assert ping["server_version"] == "17.0.0" and ping["min_client_version"] == "16.0.0"
    assert ping["cluster_name"] == "sandbox.test"
    st, find = testing.web_request(sbx, "GET", "/webapi/find")
    assert st == 200
    assert find["proxy"] == ping["proxy"] and find["cluster_name"] == "sandbox.test"
    assert "second_factor" not in find["auth"]


def test_unknown_path_is_404(sbx):
    st, body = testing.web_request(sbx, "GET", "/webapi/nope")
    assert st == 404
    assert body["error"] == {"message": "path not found"}


def _ssh_keygen_L(path):
    return subprocess.run(["ssh-keygen", "-L", "-f", path], capture_output=True, text=True,
                          check=True).stdout


def _fingerprint(pub_path):
    out = subprocess.run(["ssh-keygen", "-l", "-f", pub_path], capture_output=True, text=True,
                         check=True).stdout
    return out.split()[1]


def test_alice_certificate(sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    resp = testing.login(sbx, keys, "alice")
    assert resp["username"] == "alice"
    raw = base64.b64decode(resp["cert"]).decode()
    assert raw.endswith("\n") and raw.count("\n") == 1
    want_type = "ssh-rsa-cert-v01@openssh.com" if sbx["suite"] == "legacy" \
        else "ssh-ed25519-cert-v01@openssh.com"
    assert raw.split()[0] == want_type
    info = _ssh_keygen_L(keys.cert_path)
    assert "user certificate" in info
    assert 'Key ID: "alice"' in info
    principals = re.search(r"Principals: \n((?:\s+\S+\n)+)", info).group(1).split()
    assert principals == sbx["users"]["alice"]["principals"]
    assert sbx["os_user"] in principals and "-teleport-internal-join" in principals
    for ext in ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding",
                "permit-pty", "teleport-roles", "teleport-route-to-cluster", "teleport-traits"]:
        assert ext in info
    assert _fingerprint(sbx["user_ca_pub"]) in info
    if sbx["suite"] == "legacy":
        assert "(using rsa-sha2-512)" in info
    # Validity: from now-1m to now+12h.
    m = re.search(r"Valid: from (\S+) to (\S+)", info)
    start = dt.datetime.fromisoformat(m.group(1))
    end = dt.datetime.fromisoformat(m.group(2))
    assert abs((end - start).total_seconds() - (12 * 3600 + 60)) <= 2
    # host_signers
    hs = resp["host_signers"]
    assert len(hs) == 1 and hs[0]["domain_name"] == "sandbox.test"
    ck = base64.b64decode(hs[0]["checking_keys"][0]).decode()
    assert ck == open(sbx["host_ca_pub"]).read()
    tls_ca_pem = base64.b64decode(hs[0]["tls_certs"][0])
    assert tls_ca_pem == open(sbx["tls_ca_pem"], "rb").read()
    # host_signers carries the host TLS CA; the TLS cert is signed by the separate user
    # TLS CA (Teleport's host and user CAs). Subject CN=alice, O=roles.
    assert tls_ca_pem == open(sbx["host_tls_ca_pem"], "rb").read()
    cert = x509.load_pem_x509_certificate(base64.b64decode(resp["tls_cert"]))
    ca = x509.load_pem_x509_certificate(open(sbx["user_tls_ca_pem"], "rb").read())
    cert.verify_directly_issued_by(ca)
    with pytest.raises(Exception):
        cert.verify_directly_issued_by(x509.load_pem_x509_certificate(tls_ca_pem))
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "alice"
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)]
    assert orgs == ["access", "editor"]
    assert cert.public_key().public_numbers() == keys.tls_key.public_key().public_numbers()


def test_bob_needs_totp(sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    bob = sbx["users"]["bob"]
    resp = testing.login(sbx, keys, "bob")  # uses TOTP
    assert resp["username"] == "bob"
    st, body = testing.get_certs(sbx, "bob", bob["password"], None, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 403 and body["error"]["message"] == "missing second factor authentication"
    bad = "000000" if testing.totp_now(bob["totp_secret"]) != "000000" else "111111"
    st, body = testing.get_certs(sbx, "bob", bob["password"], bad, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 403
    assert body == {"error": {"message": "invalid username, password or second factor"}}


def test_bad_password_body(sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    import urllib.request
    import urllib.error
    body = {"user": "alice", "password": "wrong",
            "ssh_pub_key": base64.b64encode(keys.ssh_pub_line.encode()).decode(),
            "tls_pub_key": base64.b64encode(keys.tls_pub_pem).decode(), "ttl": 0}
    req = urllib.request.Request(f"https://{sbx['web_addr']}/webapi/ssh/certs",
                                 data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, context=testing.web_ssl_context(sbx))
        raise AssertionError("expected 403")
    except urllib.error.HTTPError as e:
        assert e.code == 403
        raw = e.read().decode()
    assert raw == ('{\n    "error": {\n        "message": "invalid username or password"\n'
                   '    }\n}')
    # Nothing secret in the request log.
    log = open(sbx["requests_log"]).read()
    assert "wrong" not in log
    for u in sbx["users"].values():
        assert u["password"] not in log


def test_wrong_key_algorithm_is_400(sbx, tmp_path):
    other = "legacy" if sbx["suite"] == "balanced-v1" else "balanced-v1"
    keys = testing.ClientKeys.generate(str(tmp_path), other)
    alice = sbx["users"]["alice"]
    st, body = testing.get_certs(sbx, "alice", alice["password"], None, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 400 and "signature algorithm suite" in body["error"]["message"]


def test_missing_keys_and_bad_fields_are_400(sbx):
    alice = sbx["users"]["alice"]
    st, body = testing.get_certs(sbx, "alice", alice["password"])
    assert st == 400 and "error" in body
    st, body = testing.web_request(sbx, "POST", "/webapi/ssh/certs",
                                   {"user": "alice", "ssh_pub_key": "!!notbase64"})
    assert st == 400


def test_ttl_is_capped_at_30h(sbx, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), sbx["suite"])
    alice = sbx["users"]["alice"]
    st, resp = testing.get_certs(sbx, "alice", alice["password"], None, keys.ssh_pub_line,
                                 keys.tls_pub_pem, ttl_ns=100 * 3600 * 10**9)
    assert st == 200
    open(keys.cert_path, "wb").write(base64.b64decode(resp["cert"]))
    m = re.search(r"Valid: from (\S+) to (\S+)", _ssh_keygen_L(keys.cert_path))
    span = dt.datetime.fromisoformat(m.group(2)) - dt.datetime.fromisoformat(m.group(1))
    assert abs(span.total_seconds() - (30 * 3600 + 60)) <= 2


def test_legacy_single_pub_key_field(pool, tmp_path):
    sbx = pool.get(suite="legacy")
    keys = testing.ClientKeys.generate(str(tmp_path), "legacy")
    alice = sbx["users"]["alice"]
    st, resp = testing.web_request(sbx, "POST", "/webapi/ssh/certs", {
        "user": "alice", "password": alice["password"],
        "pub_key": base64.b64encode(keys.ssh_pub_line.encode()).decode(), "ttl": 0})
    assert st == 200 and resp["cert"] and resp["tls_cert"]


def test_second_factor_modes(pool, tmp_path):
    keys = testing.ClientKeys.generate(str(tmp_path), "balanced-v1")
    # otp: alice has no device, so she cannot log in at all.
    s = pool.get(second_factor="otp")
    alice, bob = s["users"]["alice"], s["users"]["bob"]
    st, body = testing.get_certs(s, "alice", alice["password"], None, keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 403 and body["error"]["message"] == "missing second factor"
    st, body = testing.get_certs(s, "alice", alice["password"], "123456", keys.ssh_pub_line,
                                 keys.tls_pub_pem)
    assert st == 403
    assert body["error"]["message"] == "invalid username, password or second factor"
    st, _ = testing.get_certs(s, "bob", bob["password"], testing.totp_now(bob["totp_secret"]),
                              keys.ssh_pub_line, keys.tls_pub_pem)
    assert st == 200
    _, ping = testing.web_request(s, "GET", "/webapi/ping")
    assert ping["auth"]["second_factor"] == "otp"
    # off: bob logs in with the password alone.
    s = pool.get(second_factor="off")
    bob = s["users"]["bob"]
    st, _ = testing.get_certs(s, "bob", bob["password"], None, keys.ssh_pub_line,
                              keys.tls_pub_pem)
    assert st == 200

"""Assertions shared by the login tests: a login reply certifies the keys sent."""

import base64
import re
import subprocess

from cryptography import x509


def check_login_reply(state, keys, resp, user, login_user=None):
    """`resp` is an SSHLoginResponse for `user` whose certificates carry the logins
    and roles of the sandbox user `login_user` (default: the same)."""
    u = state["users"][login_user or user]
    assert resp["username"] == user
    raw = base64.b64decode(resp["cert"]).decode()
    assert raw.endswith("\n") and raw.count("\n") == 1
    with open(keys.cert_path, "w") as f:
        f.write(raw)
    info = subprocess.run(["ssh-keygen", "-L", "-f", keys.cert_path], capture_output=True,
                          text=True, check=True).stdout
    assert f'Key ID: "{user}"' in info
    principals = re.search(r"Principals: \n((?:\s+\S+\n)+)", info).group(1).split()
    assert principals == u["principals"]
    key_fp = subprocess.run(["ssh-keygen", "-l", "-f", keys.ssh_key_path + ".pub"],
                            capture_output=True, text=True, check=True).stdout.split()[1]
    ca_fp = subprocess.run(["ssh-keygen", "-l", "-f", state["user_ca_pub"]],
                           capture_output=True, text=True, check=True).stdout.split()[1]
    assert key_fp in info and ca_fp in info
    cert = x509.load_pem_x509_certificate(base64.b64decode(resp["tls_cert"]))
    # User certificates come from the user TLS CA; host_signers carries the host CA's.
    ca = x509.load_pem_x509_certificate(open(state["user_tls_ca_pem"], "rb").read())
    cert.verify_directly_issued_by(ca)
    assert cert.public_key().public_numbers() == keys.tls_key.public_key().public_numbers()
    hs = resp["host_signers"]
    assert len(hs) == 1 and hs[0]["domain_name"] == state["cluster"]
    assert base64.b64decode(hs[0]["checking_keys"][0]).decode() == open(state["host_ca_pub"]).read()

"""Key material for the sandbox: SSH CAs, OpenSSH certificates, X.509.

The OpenSSH certificate encoder follows PROTOCOL.certkeys so that we control
every field (Teleport's extensions included) instead of relying on a library.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import os
import struct
import time

from typing import Dict, Iterable, List, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

CERT_TIME_INFINITY = 0xFFFFFFFFFFFFFFFF
USER_CERT = 1
HOST_CERT = 2

# Signature algorithm suites (teleport-reference.md section 1.1).
SUITES = {
    "legacy": {"ssh_ca": "rsa", "tls_ca": "rsa", "ssh_client": "rsa", "tls_client": "rsa"},
    "balanced-v1": {"ssh_ca": "ed25519", "tls_ca": "ecdsa", "ssh_client": "ed25519",
                    "tls_client": "ecdsa"},
}


# --------------------------------------------------------------------------- wire helpers

def ssh_string(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def ssh_uint32(n: int) -> bytes:
    return struct.pack(">I", n)


def ssh_uint64(n: int) -> bytes:
    return struct.pack(">Q", n)


def read_string(buf: bytes, off: int) -> Tuple[bytes, int]:
    if off + 4 > len(buf):
        raise ValueError("truncated SSH string")
    (n,) = struct.unpack(">I", buf[off:off + 4])
    off += 4
    if off + n > len(buf):
        raise ValueError("truncated SSH string")
    return buf[off:off + n], off + n


# --------------------------------------------------------------------------- keys

def generate_key(kind: str):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key kind {kind}")


def ssh_public_line(key) -> str:
    """authorized_keys line "<type> <base64>" (no comment, no newline)."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()


def ssh_public_blob(key) -> bytes:
    return base64.b64decode(ssh_public_line(key).split()[1])


def ssh_private_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption())


def parse_authorized_key(line: str) -> Tuple[str, bytes]:
    """Parse "<type> <base64> [comment]"; returns (type, blob). Raises ValueError."""
    parts = line.strip().split()
    if len(parts) < 2:
        raise ValueError("malformed authorized_keys line")
    blob = base64.b64decode(parts[1], validate=True)
    ktype, _ = read_string(blob, 0)
    if ktype.decode() != parts[0]:
        raise ValueError("key type mismatch")
    if ktype.endswith(b"-cert-v01@openssh.com"):
        raise ValueError("certificates are not accepted as public keys")
    # Make sure it really parses as a key.
    serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    return parts[0], blob


def ssh_key_family(ktype: str, blob: bytes) -> str:
    """rsa / ed25519 / ecdsa-p256 / other."""
    if ktype == "ssh-rsa":
        return "rsa"
    if ktype == "ssh-ed25519":
        return "ed25519"
    if ktype == "ecdsa-sha2-nistp256":
        return "ecdsa"
    return ktype


def rsa_bits_of_ssh(line: str) -> int:
    k = serialization.load_ssh_public_key(" ".join(line.split()[:2]).encode())
    return k.key_size


def fingerprint_sha256(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


# --------------------------------------------------------------------------- certificates

def _sign_ssh(ca_key, data: bytes) -> bytes:
    if isinstance(ca_key, ed25519.Ed25519PrivateKey):
        return ssh_string(b"ssh-ed25519") + ssh_string(ca_key.sign(data))
    if isinstance(ca_key, rsa.RSAPrivateKey):
        sig = ca_key.sign(data, padding.PKCS1v15(), hashes.SHA512())
        return ssh_string(b"rsa-sha2-512") + ssh_string(sig)
    if isinstance(ca_key, ec.EllipticCurvePrivateKey):
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        der = ca_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)

        def mpint(n: int) -> bytes:
            b = n.to_bytes((n.bit_length() + 8) // 8, "big") if n else b""
            return ssh_string(b)
        return ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(mpint(r) + mpint(s))
    raise ValueError("unsupported CA key")


def make_ssh_cert(ca_key, subject_blob: bytes, cert_type: int, key_id: str,
                  principals: Iterable[str], valid_after: int, valid_before: int,
                  critical_options: Optional[Dict[str, str]] = None,
                  extensions: Optional[Dict[str, str]] = None,
                  serial: int = 0) -> str:
    """Return an OpenSSH certificate line "<type>-cert-v01@openssh.com <b64>"."""
    ktype, off = read_string(subject_blob, 0)
    key_fields = subject_blob[off:]
    cert_type_name = ktype + b"-cert-v01@openssh.com"

    def options(d: Optional[Dict[str, str]]) -> bytes:
        out = b""
        for name in sorted(d or {}):
            value = d[name]
            data = ssh_string(value.encode()) if value != "" else b""
            out += ssh_string(name.encode()) + ssh_string(data)
        return out

    body = (ssh_string(cert_type_name) + ssh_string(os.urandom(32)) + key_fields
            + ssh_uint64(serial) + ssh_uint32(cert_type) + ssh_string(key_id.encode())
            + ssh_string(b"".join(ssh_string(p.encode()) for p in principals))
            + ssh_uint64(valid_after) + ssh_uint64(valid_before)
            + ssh_string(options(critical_options)) + ssh_string(options(extensions))
            + ssh_string(b"") + ssh_string(ssh_public_blob(ca_key)))
    blob = body + ssh_string(_sign_ssh(ca_key, body))
    return f"{cert_type_name.decode()} {base64.b64encode(blob).decode()}"


def host_key_algs_for(kind: str) -> List[str]:
    """Certificate host key algorithms for a host key of this kind."""
    if kind == "rsa":
        return ["rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com"]
    if kind == "ed25519":
        return ["ssh-ed25519-cert-v01@openssh.com"]
    if kind == "ecdsa":
        return ["ecdsa-sha2-nistp256-cert-v01@openssh.com"]
    raise ValueError(kind)


def plain_host_key_algs_for(kind: str) -> List[str]:
    if kind == "rsa":
        return ["rsa-sha2-512", "rsa-sha2-256"]
    if kind == "ed25519":
        return ["ssh-ed25519"]
    return ["ecdsa-sha2-nistp256"]


# --------------------------------------------------------------------------- X.509

def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _x509_hash(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def make_tls_ca(key, common_name: str, org: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _utcnow()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=1))
            .not_valid_after(now + _dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, _x509_hash(key)))


def make_tls_server_cert(ca_key, ca_cert: x509.Certificate, key, dns: List[str],
                         ips: List[str]) -> x509.Certificate:
    import ipaddress
    now = _utcnow()
    san = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=1))
            .not_valid_after(now + _dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, _x509_hash(ca_key)))


def make_tls_user_cert(ca_key, ca_cert: x509.Certificate, public_key, username: str,
                       roles: List[str], principals: List[str], route_to_cluster: str,
                       not_after: _dt.datetime) -> x509.Certificate:
    """Approximation of Teleport's tlsca.Identity subject encoding."""
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, username)]
    attrs += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, r) for r in roles]
    attrs += [x509.NameAttribute(NameOID.LOCALITY_NAME, p) for p in principals]
    if route_to_cluster:
        attrs.append(x509.NameAttribute(NameOID.STREET_ADDRESS, route_to_cluster))
    now = _utcnow()
    return (x509.CertificateBuilder().subject_name(x509.Name(attrs))
            .issuer_name(ca_cert.subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=1)).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=True, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                                  x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, _x509_hash(ca_key)))


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem_pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_tls_public_key(pem: bytes):
    """PKIX "PUBLIC KEY", or PKCS#1 "RSA PUBLIC KEY"."""
    text = pem.strip()
    if text.startswith(b"-----BEGIN RSA PUBLIC KEY-----"):
        body = b"".join(l for l in text.splitlines() if not l.startswith(b"-----"))
        return _load_pkcs1_rsa(base64.b64decode(body))
    if text.startswith(b"-----BEGIN PUBLIC KEY-----"):
        return serialization.load_pem_public_key(text)
    raise ValueError("expected a PEM PUBLIC KEY or RSA PUBLIC KEY block")


def _load_pkcs1_rsa(der: bytes):
    # Minimal DER parse of RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    def read_tlv(b: bytes, off: int):
        tag = b[off]
        off += 1
        ln = b[off]
        off += 1
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(b[off:off + n], "big")
            off += n
        return tag, b[off:off + ln], off + ln
    tag, seq, _ = read_tlv(der, 0)
    if tag != 0x30:
        raise ValueError("bad RSA PUBLIC KEY")
    t1, n_bytes, off = read_tlv(seq, 0)
    t2, e_bytes, _ = read_tlv(seq, off)
    if t1 != 2 or t2 != 2:
        raise ValueError("bad RSA PUBLIC KEY")
    return rsa.RSAPublicNumbers(int.from_bytes(e_bytes, "big"),
                                int.from_bytes(n_bytes, "big")).public_key()


def tls_key_family(pub) -> str:
    if isinstance(pub, rsa.RSAPublicKey):
        return "rsa"
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return "ecdsa" if pub.curve.name == "secp256r1" else "ecdsa-" + pub.curve.name
    if isinstance(pub, ed25519.Ed25519PublicKey):
        return "ed25519"
    return type(pub).__name__


# --------------------------------------------------------------------------- TOTP

def totp(secret_b32: str, for_time: Optional[float] = None, step: int = 30,
         digits: int = 6) -> str:
    import hmac
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if for_time is None else for_time) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def totp_verify(secret_b32: str, code: str, window: int = 1) -> bool:
    import hmac
    now = time.time()
    for delta in range(-window, window + 1):
        if hmac.compare_digest(totp(secret_b32, now + delta * 30), code):
            return True
    return False


def new_totp_secret() -> str:
    return base64.b32encode(os.urandom(20)).decode().rstrip("=")

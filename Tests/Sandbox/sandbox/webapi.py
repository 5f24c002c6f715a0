"""The proxy's HTTPS web API (teleport-reference.md section 1)."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional, Tuple

from . import crypto, hostile as _hostile
from .material import LEAF_CLUSTER, PROXY_HOST, ROOT_CLUSTER, Material

MAX_TTL_NS = 30 * 3600 * 10**9
DEFAULT_TTL_NS = 12 * 3600 * 10**9
MAX_BODY = 1 << 20

ERR_USERPASS = "invalid username or password"
ERR_USERPASS_2F = "invalid username, password or second factor"


class APIError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def bad_parameter(msg: str) -> APIError:
    return APIError(400, msg)


def access_denied(msg: str) -> APIError:
    return APIError(403, msg)


def error_body(message: str) -> bytes:
    # Go's json.MarshalIndent(..., "", "    ") output.
    return json.dumps({"error": {"message": message}}, indent=4).encode()


class WebAPI:
    def __init__(self, material: Material, options: Dict[str, Any], requests_log: str):
        self.m = material
        self.opts = options
        self.requests_log = requests_log
        self._log_lock = threading.Lock()
        self.web_port = 0
        self.ssh_port = 0
        self._used_totp: Dict[str, str] = {}
        self._auth_lock = threading.Lock()
        self.server: Optional[ThreadingHTTPServer] = None
        self.thread: Optional[threading.Thread] = None
        # TLS routing (set by the supervisor): the multiplexed port, and the
        # /webapi/connectionupgrade handler (sandbox/websocket.py).
        self.tls_routing = False
        self.upgrade_handler = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> int:
        api = self

        class Handler(_Handler):
            pass
        Handler.api = api
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.m.paths["web_cert"], self.m.paths["web_key"])
        ctx.set_alpn_protocols(["http/1.1"])
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
        self.server = server
        self.web_port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, name="webapi", daemon=True)
        self.thread.start()
        return self.web_port

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def log_request(self, entry: Dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True)
        with self._log_lock:
            with open(self.requests_log, "a") as f:
                f.write(line + "\n")

    # ------------------------------------------------------------------ documents

    def proxy_settings(self) -> Dict[str, Any]:
        if self.tls_routing:
            # proxy_listener_mode: multiplex: every listener is the web port.
            p = self.web_port
            return {"kube": {}, "ssh": {
                "listen_addr": f"0.0.0.0:{p}", "tunnel_listen_addr": f"0.0.0.0:{p}",
                "web_listen_addr": f"0.0.0.0:{p}", "public_addr": f"{PROXY_HOST}:{p}",
                "ssh_public_addr": f"{PROXY_HOST}:{p}",
                "ssh_tunnel_public_addr": f"{PROXY_HOST}:{p}",
                "dial_timeout": 30000000000}, "db": {}, "tls_routing_enabled": True}
        return {
            "kube": {},
            "ssh": {
                "listen_addr": f"0.0.0.0:{self.ssh_port}",
                "tunnel_listen_addr": "0.0.0.0:3024",
                "web_listen_addr": f"0.0.0.0:{self.web_port}",
                "public_addr": f"{PROXY_HOST}:{self.web_port}",
                "ssh_public_addr": f"{PROXY_HOST}:{self.ssh_port}",
                "ssh_tunnel_public_addr": f"{PROXY_HOST}:3024",
                "dial_timeout": 30000000000,
            },
            "db": {},
            "tls_routing_enabled": False,
        }

    def auth_settings(self) -> Dict[str, Any]:
        return {
            "type": "local",
            "second_factor": self.opts["second_factor"],
            "preferred_local_mfa": "otp" if self.opts["second_factor"] in ("otp", "on", "optional") else "",
            "allow_passwordless": False,
            "allow_headless": False,
            "local": {"name": ""},
            "oidc": None, "saml": None, "github": None,
            "private_key_policy": "none",
            "piv_slot": "",
            "piv_pin_cache_duration": 0,
            "device_trust": {},
            "has_motd": False,
            "load_all_cas": False,
            "default_session_ttl": "12h0m0s",
            "signature_algorithm_suite": self.m.suite,
        }

    def common(self) -> Dict[str, Any]:
        return {
            "proxy": self.proxy_settings(),
            "server_version": "17.0.0",
            "min_client_version": "16.0.0",
            "auto_update": {"tools_version": "", "tools_auto_update": False,
                            "agent_version": "", "agent_auto_update": False,
                            "agent_update_jitter_seconds": 0},
            "cluster_name": _hostile.cluster_name_for_ping(self.opts.get("hostile"), ROOT_CLUSTER),
            "automatic_upgrades": False,
            "edition": "oss",
            "fips": False,
        }

    def ping(self) -> Dict[str, Any]:
        doc = {"auth": self.auth_settings()}
        doc.update(self.common())
        return doc

    def find(self) -> Dict[str, Any]:
        # /webapi/find returns the same struct without auth settings: Go marshals
        # the zero AuthenticationSettings value.
        doc = {"auth": {"type": "", "private_key_policy": "", "piv_slot": "",
                        "piv_pin_cache_duration": 0, "device_trust": {}, "has_motd": False,
                        "default_session_ttl": "0s"}}
        doc.update(self.common())
        return doc

    # ------------------------------------------------------------------ login

    def authenticate(self, user: str, password: str, otp: str) -> None:
        sf = self.opts["second_factor"]
        u = self.m.users.get(user)
        import hmac
        pw_ok = u is not None and hmac.compare_digest(u.password.encode(), password.encode())
        if sf == "off":
            if not pw_ok:
                raise access_denied(ERR_USERPASS)
            return
        if otp:
            with self._auth_lock:
                # Teleport refuses a TOTP code that was already used by the user.
                if (not pw_ok or u.totp_secret is None or self._used_totp.get(user) == otp
                        or not crypto.totp_verify(u.totp_secret, otp)):
                    raise access_denied(ERR_USERPASS_2F)
                self._used_totp[user] = otp
            return
        if sf in ("otp", "on"):
            raise access_denied("missing second factor")
        # optional
        if u is not None and u.totp_secret is not None:
            raise access_denied("missing second factor authentication")
        if not pw_ok:
            raise access_denied(ERR_USERPASS)

    def create_ssh_cert(self, req: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        if not isinstance(req, dict):
            raise bad_parameter("invalid request body: expected a JSON object")

        def string_field(name: str) -> str:
            v = req.get(name, "")
            if v is None:
                return ""
            if not isinstance(v, str):
                raise bad_parameter(f"json: cannot unmarshal {type(v).__name__} into Go struct "
                                    f"field CreateSSHCertReq.{name} of type string")
            return v

        def bytes_field(name: str) -> bytes:
            v = string_field(name)
            try:
                return base64.b64decode(v, validate=True) if v else b""
            except (binascii.Error, ValueError):
                raise bad_parameter(f"illegal base64 data in field {name}")

        user = string_field("user")
        password = string_field("password")
        otp = string_field("otp_token")
        ssh_pub = bytes_field("ssh_pub_key")
        tls_pub = bytes_field("tls_pub_key")
        legacy_pub = bytes_field("pub_key")
        route = string_field("RouteToCluster")
        ttl = req.get("ttl", 0) or 0
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            raise bad_parameter("json: cannot unmarshal ttl into Go struct field "
                                "CreateSSHCertReq.ttl of type time.Duration")
        if not user:
            raise bad_parameter("missing parameter 'user'")
        if legacy_pub and not ssh_pub and not tls_pub:
            ssh_pub = legacy_pub
            tls_pub = b""  # derived from the SSH key below
            legacy_single_key = True
        else:
            legacy_single_key = False
        if not ssh_pub and not tls_pub:
            raise bad_parameter("missing SSH and TLS public keys")
        if ttl < 0:
            raise bad_parameter("ttl must not be negative")

        # Structural key checks (BadParameter before authentication, as in
        # AuthenticateSSHRequest.CheckAndSetDefaults).
        ssh_line = ""
        ssh_type = ""
        ssh_blob = b""
        if ssh_pub:
            try:
                ssh_line = ssh_pub.decode("ascii").strip()
                ssh_type, ssh_blob = crypto.parse_authorized_key(ssh_line)
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_parameter(f"failed to parse SSH public key: {e}")
        tls_key = None
        if tls_pub:
            try:
                tls_key = crypto.load_tls_public_key(tls_pub)
            except Exception as e:  # noqa: BLE001
                raise bad_parameter(f"failed to parse TLS public key: {e}")
        elif legacy_single_key:
            from cryptography.hazmat.primitives import serialization
            tls_key = serialization.load_ssh_public_key(" ".join(ssh_line.split()[:2]).encode())

        if route and route not in (ROOT_CLUSTER, LEAF_CLUSTER):
            # Checked after authentication in Teleport; keep the order below.
            pass

        self.authenticate(user, password, otp)
        u = self.m.users[user]

        # Key algorithms must match the cluster's signature algorithm suite.
        want = crypto.SUITES[self.m.suite]
        if ssh_blob:
            fam = crypto.ssh_key_family(ssh_type, ssh_blob)
            if fam != want["ssh_client"]:
                raise bad_parameter(
                    f"SSH public key algorithm {ssh_type} is not allowed by the cluster's "
                    f"signature algorithm suite \"{self.m.suite}\"")
            if fam == "rsa" and crypto.rsa_bits_of_ssh(ssh_line) < 2048:
                raise bad_parameter("RSA keys shorter than 2048 bits are not supported")
        if tls_key is not None:
            fam = crypto.tls_key_family(tls_key)
            if fam != want["tls_client"] and not legacy_single_key:
                raise bad_parameter(
                    f"TLS public key algorithm {fam.upper()} is not allowed by the cluster's "
                    f"signature algorithm suite \"{self.m.suite}\"")
        if route and route not in (ROOT_CLUSTER, LEAF_CLUSTER):
            raise APIError(404, f"cluster {route} is not found")

        if ttl == 0:
            ttl = DEFAULT_TTL_NS
        ttl = min(ttl, MAX_TTL_NS)
        now = int(time.time())
        valid_before = now + ttl // 10**9
        route_to = route or ROOT_CLUSTER
        traits = {"logins": u.logins}
        extensions = {
            "permit-X11-forwarding": "",
            "permit-agent-forwarding": "",
            "permit-port-forwarding": "",
            "permit-pty": "",
            "private-key-policy": "none",
            "teleport-roles": json.dumps({"version": "v1", "roles": u.roles},
                                         separators=(",", ":")),
            "teleport-route-to-cluster": route_to,
            "teleport-traits": json.dumps(traits, separators=(",", ":")),
        }
        resp: Dict[str, Any] = {"username": user}
        mode = self.opts.get("hostile")
        if ssh_blob:
            subject, after, before = ssh_blob, now - 60, valid_before
            if mode == "user-cert-wrong-key":
                subject = crypto.ssh_public_blob(crypto.generate_key(
                    crypto.ssh_key_family(ssh_type, ssh_blob)))
            elif mode == "user-cert-expired":
                after, before = now - 7200, now - 3600
            cert_line = crypto.make_ssh_cert(
                self.m.user_ca, subject, crypto.USER_CERT, key_id=user,
                principals=u.principals, valid_after=after, valid_before=before,
                extensions=extensions)
            resp["cert"] = base64.b64encode((cert_line + "\n").encode()).decode()
        else:
            resp["cert"] = None
        if tls_key is not None:
            not_after = _dt.datetime.fromtimestamp(valid_before, _dt.timezone.utc)
            if mode == "tls-cert-wrong-key":
                tls_key = crypto.generate_key(crypto.tls_key_family(tls_key)).public_key()
            tls_cert = crypto.make_tls_user_cert(self.m.user_tls_ca_key, self.m.user_tls_ca, tls_key, user,
                                                 u.roles, u.principals, route_to, not_after)
            resp["tls_cert"] = base64.b64encode(crypto.cert_pem(tls_cert)).decode()
        else:
            resp["tls_cert"] = None
        checking_keys = [base64.b64encode((self.m.host_ca_pub + "\n").encode()).decode()]
        if mode == "host-ca-is-cert":
            # A host certificate signed by the host CA, offered as if it were a CA key.
            key = crypto.generate_key(self.m.ssh_kind)
            cert_line = crypto.make_ssh_cert(
                self.m.host_ca, crypto.ssh_public_blob(key), crypto.HOST_CERT,
                key_id="hostile", principals=[PROXY_HOST, f"*.{ROOT_CLUSTER}"],
                valid_after=now - 60, valid_before=crypto.CERT_TIME_INFINITY)
            checking_keys.append(_hostile.checking_key_b64(cert_line))
        resp["host_signers"] = [{
            "domain_name": _hostile.cluster_name_for_signers(mode, ROOT_CLUSTER),
            "checking_keys": checking_keys,
            "tls_certs": [base64.b64encode(crypto.cert_pem(self.m.tls_ca)).decode()],
        }]
        return user, _hostile.mangle_login_response(mode, resp)


class _Handler(BaseHTTPRequestHandler):
    api: WebAPI
    protocol_version = "HTTP/1.1"
    server_version = ""
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def send_response(self, code: int, message: Optional[str] = None) -> None:
        # Like Go's net/http: no Server header.
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def _reply(self, status: int, body: bytes, user: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.api.log_request({"time": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                              "method": self.command, "path": self.path, "status": status,
                              "user": user, "remote": self.client_address[0]})

    def _json(self, obj: Any, user: str = "") -> None:
        self._reply(200, json.dumps(obj, separators=(",", ":")).encode(), user)

    def _big_reply(self, resp: Dict[str, Any], user: str) -> None:
        """Hostile body-50mb: streamed, so the sandbox itself stays small."""
        total, chunks = _hostile.big_body_chunks(resp)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        sent = 0
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            self.close_connection = True  # the client gave up: that is the point
        self.api.log_request({"time": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                              "method": self.command, "path": self.path, "status": 200,
                              "user": user, "remote": self.client_address[0],
                              "hostile_bytes_sent": sent})

    def _error(self, e: APIError, user: str = "") -> None:
        self._reply(e.status, error_body(e.message), user)

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def do_GET(self) -> None:  # noqa: N802
        p = self._path()
        if p in ("/webapi/ping", "/webapi/ping/local"):
            self._json(self.api.ping())
        elif p == "/webapi/find":
            self._json(self.api.find())
        elif p == "/webapi/connectionupgrade" and self.api.upgrade_handler is not None:
            self.api.upgrade_handler(self)
        elif p == "/webapi/ssh/certs":
            self._error(APIError(405, "method not allowed"))
        else:
            self._error(APIError(404, "not found"))

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        p = self._path()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._error(APIError(413, "request body too large"))
            return
        raw = self.rfile.read(length) if length else b""
        if p != "/webapi/ssh/certs":
            if p in ("/webapi/ping", "/webapi/find"):
                self._error(APIError(405, "method not allowed"))
            else:
                self._error(APIError(404, "not found"))
            return
        user = ""
        try:
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                raise bad_parameter("invalid request: setting Content-Type to "
                                    "application/json is required")
            try:
                req = json.loads(raw.decode("utf-8") or "null")
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_parameter(f"invalid JSON request body: {e}")
            if isinstance(req, dict) and isinstance(req.get("user"), str):
                user = req["user"]
            _, resp = self.api.create_ssh_cert(req)
            mode = self.api.opts.get("hostile")
            if mode == "body-50mb":
                self._big_reply(resp, user)
            elif mode == "body-truncated":
                self._reply(200, _hostile.truncated_body(resp), user)
            else:
                self._json(resp, user)
        except APIError as e:
            self._error(e, user)
        except Exception as e:  # noqa: BLE001
            self._error(APIError(500, f"internal error: {e}"), user)

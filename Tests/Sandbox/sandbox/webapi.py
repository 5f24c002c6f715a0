"""The proxy's HTTPS web API (teleport-reference.md section 1)."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional, Tuple

from . import crypto, hostile as _hostile, mfa as _mfa
from .sso import SSO, web_message_page
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


SERVER_VERSION = "17.0.0"


def route_not_found_body() -> bytes:
    """lib/httplib RouteNotFoundResponse: what the proxy answers for a path no route
    matches (roundtrip.ReplyJSON, compact): a trace.NotFound plus the proxy version."""
    major, minor, patch = (int(x) for x in SERVER_VERSION.split("."))
    return json.dumps({"error": {"message": "path not found"},
                       "fields": {"proxyVersion": {"major": major, "minor": minor,
                                                   "patch": patch, "preRelease": "",
                                                   "string": SERVER_VERSION}}},
                      separators=(",", ":")).encode()


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
        self.sso = SSO(self)

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
        self.sso.start()
        return self.web_port

    def stop(self) -> None:
        self.sso.stop()
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

    def login_state(self) -> Dict[str, Any]:
        """state.json keys of the login options (MFA, legacy endpoint, SSO)."""
        doc = {"legacy_login": not self.opts.get("no_legacy_login"),
               "mfa_login": not self.opts.get("no_mfa_login")}
        doc.update(self.sso.state())
        return doc

    def auth_settings(self, connector: Optional[str] = None) -> Dict[str, Any]:
        local = self.local_auth_settings()
        if self.opts["second_factor"] == "webauthn":
            local["webauthn"] = {"rp_id": _mfa.RP_ID}
        if connector in _SYSTEM_CONNECTORS:
            local["local"] = {"name": connector}  # pingWithConnector echoes it
            return local
        if self.sso.enabled and connector in (None, self.sso.connector):
            return self.sso.auth_settings(local)
        if connector is not None:
            names = [self.sso.connector] if self.sso.enabled else []
            raise bad_parameter(f"invalid connector name: {connector}; "
                                f"valid options: {', '.join(names)}")
        return local

    def local_auth_settings(self) -> Dict[str, Any]:
        sf = self.opts["second_factor"]
        return {
            "type": "local",
            "second_factor": sf,
            "preferred_local_mfa": ("otp" if sf in ("otp", "on", "optional")
                                    else "webauthn" if sf == "webauthn" else ""),
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
            "server_version": SERVER_VERSION,
            "min_client_version": "16.0.0",
            "auto_update": {"tools_version": "", "tools_auto_update": False,
                            "agent_version": "", "agent_auto_update": False,
                            "agent_update_jitter_seconds": 0},
            "cluster_name": _hostile.cluster_name_for_ping(self.opts.get("hostile"), ROOT_CLUSTER),
            "automatic_upgrades": False,
            "edition": "oss",
            "fips": False,
        }

    def ping(self, connector: Optional[str] = None) -> Dict[str, Any]:
        doc = {"auth": self.auth_settings(connector)}
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
                if (not pw_ok or u.totp_secret is None or sf == "webauthn"
                        or self._used_totp.get(user) == otp
                        or not crypto.totp_verify(u.totp_secret, otp)):
                    raise access_denied(ERR_USERPASS_2F)
                self._used_totp[user] = otp
            return
        if sf in ("otp", "on", "webauthn"):
            raise access_denied("missing second factor")
        # optional
        if u is not None and u.totp_secret is not None:
            raise access_denied("missing second factor authentication")
        if not pw_ok:
            raise access_denied(ERR_USERPASS)

    def create_ssh_cert(self, req: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        """POST /webapi/ssh/certs (lib/web/apiserver.go createSSHCert)."""
        f = RequestFields(req, "CreateSSHCertReq")
        user = f.string("user")
        password = f.string("password")
        otp = f.string("otp_token")
        raw = read_key_fields(f, "ttl")
        if not user:
            raise bad_parameter("missing parameter 'user'")
        keys = check_key_fields(raw, "missing SSH and TLS public keys")
        self.authenticate(user, password, otp)
        return user, self.issue_login_response(user, keys)

    def issue_login_response(self, user: str, keys: "LoginKeys",
                             login_user: Optional[str] = None) -> Dict[str, Any]:
        """The SSHLoginResponse for an authenticated user (lib/auth/authclient
        SSHLoginResponse): used by /webapi/ssh/certs, /webapi/mfa/login/finish and
        the SSO callback. `login_user` is the sandbox user whose logins and roles
        the certificates carry (defaults to `user`)."""
        u = self.m.users[login_user or user]
        ssh_line, ssh_type, ssh_blob = keys.ssh_line, keys.ssh_type, keys.ssh_blob
        tls_key, legacy_single_key = keys.tls_key, keys.legacy_single_key
        route, ttl = keys.route, keys.ttl

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
        return _hostile.mangle_login_response(mode, resp)


    def post_route(self, path: str):
        """(handler, is_login_reply, parse_error_message) for a POST path, or None
        when no route matches (then the reply is RouteNotFoundResponse)."""
        if path == "/webapi/ssh/certs":
            if self.opts.get("no_legacy_login"):
                return None
            return self.create_ssh_cert, True, None
        if path in ("/webapi/mfa/login/begin", "/webapi/mfa/login/finish"):
            if self.opts.get("no_mfa_login"):
                return None
            return (lambda req: _mfa.handle(self, path, req),
                    path.endswith("/finish"), None)
        for kind in ("github", "oidc", "saml"):
            if path == f"/webapi/{kind}/login/console":
                from .sso import SSO_LOGIN_FAILURE
                return (lambda req, k=kind: ("", self.sso.console(k, req)), False,
                        SSO_LOGIN_FAILURE)
        return None


_SYSTEM_CONNECTORS = ("local", "passwordless", "headless")


class RequestFields:
    """Typed access to a decoded JSON request, with Go-like unmarshal errors."""

    def __init__(self, req: Any, struct: str):
        if not isinstance(req, dict):
            raise bad_parameter("invalid request body: expected a JSON object")
        self.req = req
        self.struct = struct

    def string(self, name: str) -> str:
        v = self.req.get(name, "")
        if v is None:
            return ""
        if not isinstance(v, str):
            raise bad_parameter(f"json: cannot unmarshal {type(v).__name__} into Go struct "
                                f"field {self.struct}.{name} of type string")
        return v

    def bytes(self, name: str) -> bytes:
        v = self.string(name)
        try:
            return base64.b64decode(v, validate=True) if v else b""
        except (binascii.Error, ValueError):
            raise bad_parameter(f"illegal base64 data in field {name}")

    def duration(self, name: str) -> int:
        v = self.req.get(name, 0) or 0
        if not isinstance(v, int) or isinstance(v, bool):
            raise bad_parameter(f"json: cannot unmarshal {name} into Go struct "
                                f"field {self.struct}.{name} of type time.Duration")
        return v

    def boolean(self, name: str) -> bool:
        v = self.req.get(name, False)
        if v is None:
            return False
        if not isinstance(v, bool):
            raise bad_parameter(f"json: cannot unmarshal {type(v).__name__} into Go struct "
                                f"field {self.struct}.{name} of type bool")
        return v


class LoginKeys:
    """The subject keys and routing of a login request, checked structurally."""

    def __init__(self) -> None:
        self.ssh_line = ""
        self.ssh_type = ""
        self.ssh_blob = b""
        self.tls_key: Any = None
        self.legacy_single_key = False
        self.ttl = 0
        self.route = ""


def read_key_fields(f: RequestFields, ttl_field: str,
                    legacy_field: str = "pub_key") -> Dict[str, Any]:
    """Decodes the key, TTL and routing fields shared by every login request
    (lib/client/weblogin.go UserPublicKeys / SSOUserPublicKeys)."""
    return {"ssh_pub": f.bytes("ssh_pub_key"), "tls_pub": f.bytes("tls_pub_key"),
            "legacy_pub": f.bytes(legacy_field), "legacy_field": legacy_field,
            "route": f.string("RouteToCluster"), "ttl": f.duration(ttl_field)}


def check_key_fields(raw: Dict[str, Any], missing_message: str) -> LoginKeys:
    """Structural key checks (BadParameter before authentication, as in
    AuthenticateSSHRequest.CheckAndSetDefaults)."""
    k = LoginKeys()
    ssh_pub, tls_pub, legacy_pub = raw["ssh_pub"], raw["tls_pub"], raw["legacy_pub"]
    k.route, k.ttl = raw["route"], raw["ttl"]
    if legacy_pub and ssh_pub:
        raise bad_parameter(f"'{raw['legacy_field']}' and 'ssh_pub_key' cannot both be set")
    if legacy_pub and tls_pub:
        raise bad_parameter(f"'{raw['legacy_field']}' and 'tls_pub_key' cannot both be set")
    if legacy_pub:
        ssh_pub = legacy_pub
        k.legacy_single_key = True
    if not ssh_pub and not tls_pub:
        raise bad_parameter(missing_message)
    if k.ttl < 0:
        raise bad_parameter("ttl must not be negative")
    if ssh_pub:
        try:
            k.ssh_line = ssh_pub.decode("ascii").strip()
            k.ssh_type, k.ssh_blob = crypto.parse_authorized_key(k.ssh_line)
        except (ValueError, UnicodeDecodeError) as e:
            raise bad_parameter(f"failed to parse SSH public key: {e}")
    if tls_pub:
        try:
            k.tls_key = crypto.load_tls_public_key(tls_pub)
        except Exception as e:  # noqa: BLE001
            raise bad_parameter(f"failed to parse TLS public key: {e}")
    elif k.legacy_single_key:
        from cryptography.hazmat.primitives import serialization
        k.tls_key = serialization.load_ssh_public_key(
            " ".join(k.ssh_line.split()[:2]).encode())
    return k


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

    def _not_found(self) -> None:
        self._reply(404, route_not_found_body())

    def _html(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.api.log_request({"time": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                              "method": self.command, "path": self.path, "status": status,
                              "user": "", "remote": self.client_address[0]})

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def do_GET(self) -> None:  # noqa: N802
        p = self._path()
        if p == "/webapi/ping":
            self._json(self.api.ping())
        elif p.startswith("/webapi/ping/") and p.count("/") == 3:
            try:
                self._json(self.api.ping(urllib.parse.unquote(p.rsplit("/", 1)[1])))
            except APIError as e:
                self._error(e)
        elif p == "/webapi/find":
            self._json(self.api.find())
        elif p == "/webapi/connectionupgrade" and self.api.upgrade_handler is not None:
            self.api.upgrade_handler(self)
        elif self.api.post_route(p) is not None:
            self._error(APIError(405, "method not allowed"))
        elif p == "/web" or p.startswith("/web/"):
            self._html(200, web_message_page(p))
        else:
            self._not_found()

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
        route = self.api.post_route(p)
        if route is None:
            if p in ("/webapi/ping", "/webapi/find") or p.startswith("/webapi/ping/"):
                self._error(APIError(405, "method not allowed"))
            else:
                self._not_found()
            return
        handler, login_reply, parse_error = route
        user = ""
        try:
            try:
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if ctype != "application/json":
                    raise bad_parameter("invalid request: setting Content-Type to "
                                        "application/json is required")
                try:
                    req = json.loads(raw.decode("utf-8") or "null")
                except (ValueError, UnicodeDecodeError) as e:
                    raise bad_parameter(f"invalid JSON request body: {e}")
            except APIError:
                if parse_error:  # the SSO console handlers obscure every failure
                    raise APIError(403, parse_error)
                raise
            if isinstance(req, dict) and isinstance(req.get("user"), str):
                user = req["user"]
            _, resp = handler(req)
            mode = self.api.opts.get("hostile") if login_reply else None
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

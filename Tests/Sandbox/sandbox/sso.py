"""SSO console login (`--sso github|oidc|saml`) and the sandbox's fake identity provider.

Teleport sources this follows:
- lib/web/apiserver.go: githubLoginConsole (and the OIDC/SAML twins): the request is
  client.SSOLoginConsoleReq, the reply {"redirect_url"}; every failure is a 403 with
  SSOLoginFailureMessage, or SSOLoginFailureInvalidRedirect when the auth server said
  InvalidClientRedirectErrorMessage. ConstructSSHResponse and RedirectURLWithError
  build the browser's way back to the client. getAuthSettings/oidcSettings/samlSettings/
  githubSettings/pingWithConnector give ping's `auth`.
- lib/auth/github.go ValidateClientRedirect: the callback URL rules.
- lib/secret/secret.go: AES-256-GCM, {"ciphertext","nonce"} as Go marshals []byte.
- lib/client/weblogin.go SSOLoginConsoleReq / SSOUserPublicKeys.

The real flow has one more hop (IdP -> proxy /webapi/<type>/callback -> client). The
sandbox's identity provider does the proxy's callback work itself and redirects the
browser straight to the client's callback URL, with the same query Teleport would send.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import html
import json
import os
import re
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from .webapi import WebAPI

TYPES = ("github", "oidc", "saml")
DEFAULT_CONNECTOR = {"github": ("github", "GitHub"), "oidc": ("okta", "Okta"),
                     "saml": ("saml-idp", "SAML IdP")}

SSO_LOGIN_FAILURE = "Failed to login. Please check Teleport's log for more details."
SSO_LOGIN_FAILURE_INVALID_REDIRECT = ("Failed to login due to a disallowed callback URL. "
                                      "Please check Teleport's log for more details.")
# What the auth server's callback validation fails with, per connector type, when the
# identity provider denies the user. GitHub's is auth.ErrGithubNoTeams; the OIDC and
# SAML texts are the sandbox's own (their real texts depend on the IdP's answer).
DENY_MESSAGES = {
    "github": "user does not belong to any teams configured in connector; "
              "the configuration may have typos.",
    "oidc": "access denied: the identity provider did not authenticate the user",
    "saml": "access denied: the identity provider did not authenticate the user",
}
LOGIN_FAILED_PATH = "/web/msg/error/login"           # client.LoginFailedRedirectURL
LOGIN_SUCCESS_PATH = "/web/msg/info/login_success"   # client.LoginSuccessRedirectURL
AUTH_REQUEST_TTL = 10 * 60                           # defaults.*AuthRequestTTL
SYSTEM_CONNECTORS = ("local", "passwordless", "headless")  # constants.SystemConnectors


# ---------------------------------------------------------------------- crypto


def seal(key_hex: str, plaintext: bytes) -> str:
    """lib/secret Key.Seal: AES-GCM, random 12-byte nonce, no additional data, and the
    JSON {"ciphertext","nonce"} with Go's standard base64 for []byte."""
    key = binascii.unhexlify(key_hex)
    if len(key) not in (16, 24, 32):
        raise ValueError(f"crypto/aes: invalid key size {len(key)}")
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, plaintext, None)
    return json.dumps({"ciphertext": base64.b64encode(ct).decode(),
                       "nonce": base64.b64encode(nonce).decode()}, separators=(",", ":"))


def open_sealed(key_hex: str, sealed: str) -> bytes:
    """The client side (lib/secret Key.Open), for tests."""
    data = json.loads(sealed)
    return AESGCM(binascii.unhexlify(key_hex)).decrypt(
        base64.b64decode(data["nonce"]), base64.b64decode(data["ciphertext"]), None)


def go_query_encode(values: List[Tuple[str, str]]) -> str:
    """url.Values.Encode: keys sorted, QueryEscape (space as '+')."""
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}"
                    for k, v in sorted(values, key=lambda kv: kv[0]))


# ---------------------------------------------------------------------- redirect URL

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class RedirectError(Exception):
    pass


def _go_parse_query(raw: str) -> Dict[str, List[str]]:
    """url.ParseQuery, failing where Go fails (';' separators, bad escapes)."""
    out: Dict[str, List[str]] = {}
    if raw == "":
        return out
    for part in raw.split("&"):
        if ";" in part:
            raise RedirectError("invalid semicolon separator in query")
        if part == "":
            continue
        k, _, v = part.partition("=")
        if _BAD_ESCAPE.search(k) or _BAD_ESCAPE.search(v):
            raise RedirectError("invalid URL escape")
        out.setdefault(urllib.parse.unquote_plus(k), []).append(urllib.parse.unquote_plus(v))
    return out


def _go_hostname(netloc: str) -> str:
    """URL.Hostname(): no port, no brackets, case kept (Python's lower-cases)."""
    host = netloc.rsplit("@", 1)[-1]
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            raise RedirectError("missing ']' in host")
        rest = host[end + 1:]
        if rest and not re.fullmatch(r":[0-9]*", rest):
            raise RedirectError("invalid port")
        return host[1:end]
    if ":" in host:
        host, port = host.rsplit(":", 1)
        if not re.fullmatch(r"[0-9]*", port):
            raise RedirectError("invalid port")
    if "%" in host:
        raise RedirectError("invalid URL escape in host")
    return host


def validate_client_redirect(url: str) -> None:
    """lib/auth/github.go ValidateClientRedirect with no client_redirect_settings on the
    connector (the sandbox's connectors have none): only http to localhost, 127.0.0.1
    or ::1, path /callback, exactly one query parameter secret_key, no fragment."""
    if url == "":
        return  # Teleport allows it (non-functional and harmless)
    if any(ord(c) < 0x20 or ord(c) == 0x7f for c in url):
        raise RedirectError("invalid control character in URL")
    scheme_match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", url, re.S)
    scheme, rest = (scheme_match.group(1).lower(), scheme_match.group(2)) \
        if scheme_match else ("", url)
    rest, _, fragment = rest.partition("#")
    rest, _, raw_query = rest.partition("?")
    if scheme and not rest.startswith("/"):
        raise RedirectError("unexpected opaque client redirect URL")
    netloc, path = "", rest
    if rest.startswith("//"):
        after = rest[2:]
        slash = after.find("/")
        netloc, path = (after, "") if slash < 0 else (after[:slash], after[slash:])
    if "@" in netloc:
        raise RedirectError("unexpected userinfo in client redirect URL")
    host = _go_hostname(netloc)
    if path != "/callback":
        raise RedirectError("invalid path in client redirect URL")
    q = _go_parse_query(raw_query)
    if len(q) != 1 or len(q.get("secret_key", [])) != 1:
        raise RedirectError("malformed query parameters in client redirect URL")
    if fragment:
        raise RedirectError("unexpected fragment in client redirect URL")
    if scheme not in ("http", "https"):
        raise RedirectError("invalid scheme in client redirect URL")
    if scheme == "http" and host in ("localhost", "127.0.0.1", "::1"):
        return
    raise RedirectError("unknown custom client redirect URL hostname")


# ---------------------------------------------------------------------- the SSO side


class SSO:
    def __init__(self, api: "WebAPI"):
        self.api = api
        o = api.opts
        self.kind: Optional[str] = o.get("sso")
        default_name, default_display = DEFAULT_CONNECTOR.get(self.kind or "", ("", ""))
        self.connector = o.get("sso_connector") or default_name
        self.display = o.get("sso_display") or default_display
        self.sso_user = o.get("sso_user") or "alice"
        self.deny = bool(o.get("sso_deny"))
        self._requests: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.idp_server: Optional[ThreadingHTTPServer] = None
        self.idp_port = 0

    @property
    def enabled(self) -> bool:
        return self.kind in TYPES

    # ------------------------------------------------------------------ IdP lifecycle

    def start(self) -> None:
        if not self.enabled:
            return
        sso = self

        class Handler(_IdPHandler):
            pass
        Handler.sso = sso
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.idp_server = server
        self.idp_port = server.server_address[1]
        threading.Thread(target=server.serve_forever, name="sandbox-idp", daemon=True).start()

    def stop(self) -> None:
        if self.idp_server:
            self.idp_server.shutdown()
            self.idp_server.server_close()

    @property
    def idp_base(self) -> str:
        return f"http://127.0.0.1:{self.idp_port}"

    @property
    def idp_authorize_url(self) -> str:
        return self.idp_base + "/authorize"

    def state(self) -> Dict[str, Any]:
        return {"sso": self.kind if self.enabled else None,
                "sso_connector": self.connector if self.enabled else None,
                "sso_display": self.display if self.enabled else None,
                "sso_user": self.sso_user if self.enabled else None,
                "sso_deny": self.deny if self.enabled else False,
                "sso_idp_url": self.idp_authorize_url if self.enabled else None}

    # ------------------------------------------------------------------ ping

    def connector_object(self) -> Dict[str, Any]:
        if self.kind == "github":
            return {"name": self.connector, "display": self.display,
                    "EndpointURL": "https://github.com"}
        if self.kind == "oidc":
            return {"name": self.connector, "display": self.display,
                    "IssuerURL": self.idp_base}
        return {"name": self.connector, "display": self.display, "SSO": self.idp_authorize_url}

    def auth_settings(self, local: Dict[str, Any]) -> Dict[str, Any]:
        """oidcSettings/samlSettings/githubSettings in lib/web/apiserver.go, marshalled
        as webclient.AuthenticationSettings: nil pointers and false omitempty fields are
        absent (no `local`, no `allow_passwordless`)."""
        doc: Dict[str, Any] = {"type": self.kind}
        if local.get("second_factor"):
            doc["second_factor"] = local["second_factor"]
        if local.get("preferred_local_mfa"):
            doc["preferred_local_mfa"] = local["preferred_local_mfa"]
        doc[self.kind] = self.connector_object()
        for k in ("private_key_policy", "piv_slot", "piv_pin_cache_duration", "device_trust",
                  "has_motd"):
            doc[k] = local[k]
        doc["default_session_ttl"] = local["default_session_ttl"]
        doc["signature_algorithm_suite"] = local["signature_algorithm_suite"]
        return doc

    # ------------------------------------------------------------------ console

    def console(self, kind: str, req: Any) -> Dict[str, Any]:
        """POST /webapi/<kind>/login/console."""
        from .webapi import (APIError, RequestFields, check_key_fields, read_key_fields)
        try:
            f = RequestFields(req, "SSOLoginConsoleReq")
            redirect_url = f.string("redirect_url")
            connector_id = f.string("connector_id")
            raw = read_key_fields(f, "cert_ttl", legacy_field="public_key")
            f.string("compatibility")
            f.string("KubernetesCluster")
            if not redirect_url or not connector_id:
                raise APIError(400, "missing RedirectURL" if not redirect_url
                               else "missing ConnectorID")
            keys = check_key_fields(raw, "'ssh_pub_key' or 'tls_pub_key' must be set")
        except APIError:
            raise APIError(403, SSO_LOGIN_FAILURE)
        # Create<Kind>AuthRequest: the connector first, then the client redirect URL.
        if not self.enabled or kind != self.kind or connector_id != self.connector:
            raise APIError(403, SSO_LOGIN_FAILURE)
        try:
            validate_client_redirect(redirect_url)
        except RedirectError:
            raise APIError(403, SSO_LOGIN_FAILURE_INVALID_REDIRECT)
        state = secrets.token_hex(32)
        with self._lock:
            now = time.time()
            for k in [k for k, v in self._requests.items() if v["expires"] < now]:
                del self._requests[k]
            self._requests[state] = {"kind": kind, "connector": connector_id,
                                     "client_redirect_url": redirect_url, "keys": keys,
                                     "expires": now + AUTH_REQUEST_TTL}
        return {"redirect_url": f"{self.idp_authorize_url}?"
                                + go_query_encode([("state", state)])}

    # ------------------------------------------------------------------ IdP answer

    def authorize(self, state: str, user_override: Optional[str]) -> Tuple[int, str]:
        """The identity provider authenticates (or denies) the user and sends the
        browser back. Returns (status, location or page text)."""
        from .webapi import APIError
        with self._lock:
            request = self._requests.pop(state, None)
        if request is None or request["expires"] < time.time():
            return 400, "This login request is unknown or has expired."
        client_url = request["client_redirect_url"]
        user = user_override or self.sso_user
        if self.deny or user not in self.api.m.users:
            return 302, redirect_url_with_error(client_url, DENY_MESSAGES[request["kind"]])
        try:
            resp = self.api.issue_login_response(user, request["keys"])
        except APIError as e:
            return 302, redirect_url_with_error(client_url, e.message)
        self.api.log_request({"time": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                              "method": "SSO", "path": f"/sandbox-idp/{request['kind']}",
                              "status": 302, "user": user, "remote": "idp"})
        try:
            return 302, construct_ssh_response(client_url, resp)
        except (ValueError, binascii.Error):
            return 302, self.proxy_url(LOGIN_FAILED_PATH)

    def proxy_url(self, path: str) -> str:
        return f"https://localhost:{self.api.web_port}{path}"


def redirect_url_with_error(client_url: str, message: str) -> str:
    """RedirectURLWithError: the client's URL with `err` added to its query (the
    secret_key stays in it), re-encoded as url.Values.Encode does."""
    base, _, query = client_url.partition("?")
    query, _, _frag = query.partition("#")
    values = [(k, v) for k, vs in _go_parse_query(query).items() for v in vs if k != "err"]
    values.append(("err", message))
    return base + "?" + go_query_encode(values)


def construct_ssh_response(client_url: str, login_response: Dict[str, Any]) -> str:
    """ConstructSSHResponse: seal the SSHLoginResponse JSON with the secret_key and make
    `response` the whole query (the secret is not sent back)."""
    base, _, query = client_url.partition("?")
    query, _, frag = query.partition("#")
    secret_key = _go_parse_query(query).get("secret_key", [""])[0]
    if not secret_key:
        raise ValueError("missing secret_key")
    sealed = seal(secret_key, json.dumps(login_response, separators=(",", ":")).encode())
    return base + "?" + go_query_encode([("response", sealed)]) + (("#" + frag) if frag else "")


# ---------------------------------------------------------------------- HTML pages

def page(title: str, text: str) -> bytes:
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
            f"</body></html>\n").encode()


def web_message_page(path: str) -> bytes:
    """What the sandbox serves under /web/ (the real proxy serves its web app there)."""
    if path.startswith("/web/msg/info/login_success"):
        return page("Login Successful",
                    "You have successfully signed into your account. "
                    "You can close this window and continue using the product.")
    if path.startswith("/web/msg/error/login"):
        return page("Login Unsuccessful", "Unable to log in, please check Teleport's log.")
    return page("Teleport", "Sandbox web UI placeholder.")


class _IdPHandler(BaseHTTPRequestHandler):
    sso: SSO
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-idp"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes = b"", location: str = "") -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path, _, query = self.path.partition("?")
        if path == "/authorize":
            params = urllib.parse.parse_qs(query)
            state = params.get("state", [""])[0]
            user = params.get("user", [None])[0]
            status, where = self.sso.authorize(state, user)
            if status == 302:
                self._send(302, page("Found", "Redirecting."), where)
            else:
                self._send(status, page("Sandbox identity provider", where))
        elif path == "/":
            self._send(200, page("Sandbox identity provider",
                                 f"Connector {self.sso.connector} ({self.sso.kind})."))
        else:
            self._send(404, page("Not Found", "Unknown path."))

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

"""Test helpers for the login endpoints: MFA begin/finish, SSO console login, and a
local callback server playing the client's side of an SSO login."""

from __future__ import annotations

import base64
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from .sso import open_sealed
from .testing import ClientKeys, totp_now, web_request, web_ssl_context


def key_fields(keys: ClientKeys) -> Dict[str, str]:
    return {"ssh_pub_key": base64.b64encode((keys.ssh_pub_line.strip() + "\n").encode()).decode(),
            "tls_pub_key": base64.b64encode(keys.tls_pub_pem).decode()}


def mfa_begin(state: Dict[str, Any], user: str, password: str,
              passwordless: bool = False) -> Tuple[int, Any]:
    return web_request(state, "POST", "/webapi/mfa/login/begin",
                       {"user": user, "pass": password, "passwordless": passwordless})


def mfa_finish(state: Dict[str, Any], user: str, password: str, keys: Optional[ClientKeys],
               totp_code: str = "", ttl_ns: int = 12 * 3600 * 10**9,
               extra: Optional[Dict[str, Any]] = None) -> Tuple[int, Any]:
    """As Go tsh sends it (lib/client/weblogin.go AuthenticateSSHUserRequest)."""
    body: Dict[str, Any] = {"user": user, "password": password,
                            "webauthn_challenge_response": None, "totp_code": totp_code,
                            "ttl": ttl_ns, "RouteToCluster": "", "KubernetesCluster": ""}
    if keys is not None:
        body.update(key_fields(keys))
    if extra:
        body.update(extra)
    return web_request(state, "POST", "/webapi/mfa/login/finish", body)


_last_code: Dict[Tuple[str, str], str] = {}


def fresh_totp(state: Dict[str, Any], user: str) -> str:
    """A TOTP code this process has not used yet for that sandbox and user (waits for
    the next 30 s step when needed: the sandbox refuses a replayed code)."""
    secret = state["users"][user]["totp_secret"]
    key = (state["state_dir"], user)
    code = totp_now(secret)
    while code == _last_code.get(key):
        time.sleep(1)
        code = totp_now(secret)
    _last_code[key] = code
    return code


def sso_console(state: Dict[str, Any], kind: str, redirect_url: str,
                keys: Optional[ClientKeys], connector_id: Optional[str] = None,
                ttl_ns: int = 12 * 3600 * 10**9,
                extra: Optional[Dict[str, Any]] = None) -> Tuple[int, Any]:
    """POST /webapi/<kind>/login/console as Go tsh sends it (SSOLoginConsoleReq)."""
    body: Dict[str, Any] = {"redirect_url": redirect_url, "cert_ttl": ttl_ns,
                            "connector_id": connector_id if connector_id is not None
                            else state["sso_connector"],
                            "RouteToCluster": "", "KubernetesCluster": ""}
    if keys is not None:
        body.update(key_fields(keys))
    if extra:
        body.update(extra)
    return web_request(state, "POST", f"/webapi/{kind}/login/console", body)


class CallbackServer:
    """The client's one-shot callback (http.server on 127.0.0.1): records every
    request's query and, like tsh, sends the browser on to the proxy's message page."""

    def __init__(self, state: Dict[str, Any]):
        self.state = state
        self.secret_key = os.urandom(32).hex()
        self.requests: List[Dict[str, List[str]]] = []
        self.raw_queries: List[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                path, _, query = self.path.partition("?")
                if path != "/callback":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                outer.raw_queries.append(query)
                q = urllib.parse.parse_qs(query, keep_blank_values=True)
                outer.requests.append(q)
                ok = "response" in q and "err" not in q
                target = "/web/msg/info/login_success" if ok else "/web/msg/error/login"
                self.send_response(302)
                self.send_header("Location", f"https://{outer.state['web_addr']}{target}")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback?secret_key={self.secret_key}"

    def __enter__(self) -> "CallbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def decrypt(self, index: int = -1) -> bytes:
        return open_sealed(self.secret_key, self.requests[index]["response"][0])


def browse(state: Dict[str, Any], url: str) -> Tuple[int, str, str]:
    """A browser's GET that follows redirects (http and the proxy's https).
    Returns (final status, final URL, body)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=web_ssl_context(state)))
    try:
        with opener.open(url, timeout=30) as r:
            return r.status, r.geturl(), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.geturl(), e.read().decode(errors="replace")

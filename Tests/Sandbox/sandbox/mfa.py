"""The two-step local login: POST /webapi/mfa/login/begin and /webapi/mfa/login/finish.

Teleport: lib/web/apiserver.go (mfaLoginBegin, mfaLoginFinish, makeAuthenticateChallenge),
lib/client/weblogin.go (MFAChallengeRequest, MFAAuthenticateChallenge,
AuthenticateSSHUserRequest), lib/auth/webauthntypes/webauthn.go (CredentialAssertion),
lib/auth/methods.go (authenticateUserInternal: the error texts).
"""

from __future__ import annotations

import base64
import hmac
import os
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

if TYPE_CHECKING:
    from .webapi import WebAPI

# mfaLoginBegin hides every failure of CreateAuthenticateChallenge behind this text
# (lib/web/apiserver.go); so does a failed WebAuthn assertion (lib/auth/methods.go).
ERR_INVALID_CREDENTIALS = "invalid credentials"
# types.ErrPasswordlessDisabledBySettings (api/types): mfaLoginBegin does not obscure it.
ERR_PASSWORDLESS_DISABLED = "passwordless disabled by cluster settings"

# The relying party of the sandbox's WebAuthn configuration (ping auth.webauthn.rp_id).
RP_ID = "localhost"
# Teleport's login assertions time out after a minute (milliseconds on the wire).
ASSERTION_TIMEOUT_MS = 60000


def second_factor_allows_otp(sf: str) -> bool:
    return sf in ("otp", "on", "optional")


def user_has_webauthn(api: "WebAPI", user: str) -> bool:
    """With --second-factor webauthn every sandbox user has one registered security key
    (and no usable TOTP device)."""
    return api.opts["second_factor"] == "webauthn" and user in api.m.users


def webauthn_credential_id(api: "WebAPI", user: str) -> bytes:
    ids = api.__dict__.setdefault("_webauthn_ids", {})
    if user not in ids:
        ids[user] = os.urandom(32)
    return ids[user]


def make_challenge(api: "WebAPI", user: str) -> Dict[str, Any]:
    """The JSON of client.MFAAuthenticateChallenge for a user whose password is right.

    Go marshals []byte as standard base64 (padded): the WebAuthn challenge and the
    credential ids come out that way, not base64url.
    """
    sf = api.opts["second_factor"]
    u = api.m.users[user]
    chal: Dict[str, Any] = {"webauthn_challenge": None, "totp_challenge": False}
    if user_has_webauthn(api, user):
        challenge = os.urandom(32)
        api.__dict__.setdefault("_webauthn_challenges", {})[user] = challenge
        chal["webauthn_challenge"] = {"publicKey": {
            "challenge": base64.b64encode(challenge).decode(),
            "timeout": ASSERTION_TIMEOUT_MS,
            "rpId": RP_ID,
            "allowCredentials": [{
                "type": "public-key",
                "id": base64.b64encode(webauthn_credential_id(api, user)).decode(),
            }],
            "userVerification": "discouraged",
        }}
    if u.totp_secret is not None and second_factor_allows_otp(sf):
        chal["totp_challenge"] = True
    return chal


def password_ok(api: "WebAPI", user: str, password: str) -> bool:
    u = api.m.users.get(user)
    return u is not None and hmac.compare_digest(u.password.encode(), password.encode())


def begin(api: "WebAPI", req: Any) -> Tuple[str, Dict[str, Any]]:
    """POST /webapi/mfa/login/begin {"user", "pass", "passwordless"}."""
    from .webapi import RequestFields, APIError
    f = RequestFields(req, "MFAChallengeRequest")
    user = f.string("user")
    password = f.string("pass")
    if f.boolean("passwordless"):
        # ping says allow_passwordless: false in every sandbox mode.
        raise APIError(400, ERR_PASSWORDLESS_DISABLED)
    if not password_ok(api, user, password):
        raise APIError(403, ERR_INVALID_CREDENTIALS)
    return user, make_challenge(api, user)


def finish(api: "WebAPI", req: Any) -> Tuple[str, Dict[str, Any]]:
    """POST /webapi/mfa/login/finish (client.AuthenticateSSHUserRequest).

    Errors are not obscured by the proxy here (mfaLoginFinish returns the auth
    server's error as is), so they are the texts of lib/auth/methods.go."""
    from .webapi import APIError, RequestFields, check_key_fields, read_key_fields
    f = RequestFields(req, "AuthenticateSSHUserRequest")
    user = f.string("user")
    password = f.string("password")
    totp_code = f.string("totp_code")
    webauthn_resp = req.get("webauthn_challenge_response")
    raw = read_key_fields(f, "ttl")
    keys = check_key_fields(raw, "'ssh_pub_key' or 'tls_pub_key' must be set")
    if webauthn_resp is not None and totp_code:
        # Not reachable through Go's client; AuthenticateUserRequest refuses it too.
        raise APIError(400, "only one MFA response field can be set")
    if webauthn_resp is not None:
        # The sandbox holds no authenticator keys it could verify an assertion
        # against: every WebAuthn response is refused, as a bad one would be.
        raise APIError(403, ERR_INVALID_CREDENTIALS)
    api.authenticate(user, password, totp_code)
    return user, api.issue_login_response(user, keys)


def handle(api: "WebAPI", path: str, req: Any) -> Optional[Tuple[str, Dict[str, Any]]]:
    if path == "/webapi/mfa/login/begin":
        return begin(api, req)
    if path == "/webapi/mfa/login/finish":
        return finish(api, req)
    return None

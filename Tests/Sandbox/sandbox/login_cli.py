"""The `up` options of the login endpoints (MFA, legacy endpoint, SSO), kept apart
from cli.py so that the command line's other options evolve independently."""

from __future__ import annotations

import argparse
from typing import Any, Dict, List

from .sso import TYPES as SSO_TYPES


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-legacy-login", action="store_true",
                   help="no /webapi/ssh/certs route (404), as a proxy without it")
    p.add_argument("--no-mfa-login", action="store_true",
                   help="no /webapi/mfa/login/begin and /finish routes (404), as a proxy "
                        "older than them")
    p.add_argument("--sso", choices=list(SSO_TYPES), default=None,
                   help="configure one SSO connector of this type and the fake identity "
                        "provider; ping's auth.type becomes this type")
    p.add_argument("--sso-connector", default=None,
                   help="connector name (default github / okta / saml-idp)")
    p.add_argument("--sso-display", default=None,
                   help="connector display name (default GitHub / Okta / SAML IdP)")
    p.add_argument("--sso-user", default="alice",
                   help="the sandbox user the identity provider signs in (default alice)")
    p.add_argument("--sso-deny", action="store_true",
                   help="the identity provider denies every login (err= on the callback)")


def opts(a: argparse.Namespace) -> Dict[str, Any]:
    return {"no_legacy_login": a.no_legacy_login, "no_mfa_login": a.no_mfa_login, "sso": a.sso,
            "sso_connector": a.sso_connector, "sso_display": a.sso_display,
            "sso_user": a.sso_user, "sso_deny": a.sso_deny}


def argv(a: argparse.Namespace) -> List[str]:
    out: List[str] = []
    if a.no_legacy_login:
        out.append("--no-legacy-login")
    if a.no_mfa_login:
        out.append("--no-mfa-login")
    for flag, value in (("--sso", a.sso), ("--sso-connector", a.sso_connector),
                        ("--sso-display", a.sso_display), ("--sso-user", a.sso_user)):
        if value:
            out += [flag, value]
    if a.sso_deny:
        out.append("--sso-deny")
    return out

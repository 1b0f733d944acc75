"""Forwarded client addresses (``X-Forwarded-For``) trusted only from the proxies the admin names.

uvicorn, which serves Streamlit's Starlette app, takes a request's client address from ``X-Forwarded-For`` when
the request comes from an address it trusts: ``FORWARDED_ALLOW_IPS``, by default 127.0.0.1 and ::1. So one
script on the server's own machine, or any browser behind a proxy on it that passes the header on (the nginx
recipe of the docs did, untouched), could name a new address with each request and escape both the
per-address sign-in slow-down (``core.classes.signin``) and the websockets' bound per address
(``ui.server.limits``): issue 63 did so from loopback with rotating forwarded addresses.

``trust_named_proxies`` (installed by ``python -m ui.server.serve``) makes the uvicorn config Streamlit builds
(``starlette_server._get_uvicorn_config_kwargs``) read forwarded headers only from the addresses in
``HANDTEACH_TRUSTED_PROXIES`` (comma-separated addresses or networks, as uvicorn takes them, e.g.
``127.0.0.1`` for an nginx on the same machine), else ``FORWARDED_ALLOW_IPS`` where the admin set it, else
from nobody: every client is then the address it connects from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

TRUSTED_PROXIES = "HANDTEACH_TRUSTED_PROXIES"


def proxy_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """uvicorn's ``proxy_headers`` and ``forwarded_allow_ips`` for this server (see the module docstring)."""
    env = os.environ if environ is None else environ
    named = env.get(TRUSTED_PROXIES, "").strip() or env.get("FORWARDED_ALLOW_IPS", "").strip()
    return {"proxy_headers": bool(named), "forwarded_allow_ips": named}


def trust_named_proxies() -> bool:
    """Streamlit's uvicorn config with ``proxy_settings``; True when in place, False on another server."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    original = getattr(starlette_server, "_get_uvicorn_config_kwargs", None)
    if original is None:
        return False
    if getattr(original, "trusts_named_proxies", False):
        return True

    def _get_uvicorn_config_kwargs() -> dict[str, Any]:
        return {**original(), **proxy_settings()}

    _get_uvicorn_config_kwargs.trusts_named_proxies = True  # type: ignore[attr-defined]
    starlette_server._get_uvicorn_config_kwargs = _get_uvicorn_config_kwargs  # type: ignore[assignment]
    return True

"""Which URLs ``fetch_url`` may reach: http(s) only, and by default only public addresses.

A host name is resolved and *every* address it resolves to must be public; the address the
connection actually reached is checked again after connecting (a name that resolves
differently the second time, DNS rebinding, is caught there). Redirects are re-checked hop
by hop by the caller.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class BlockedURL(PermissionError):
    """A URL ``fetch_url`` refuses; the message is the observation the model reads."""


_PRIVATE_HINT = "the user can allow local addresses with PONDER_FETCH_ALLOW_PRIVATE=1"


def check_url(url: str, *, allow_private: bool) -> str:
    """The host of an acceptable URL; raises ``BlockedURL`` with the reason otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise BlockedURL(f"only http:// and https:// URLs can be fetched, not {shown} ({url[:100]})")
    host = parts.hostname
    if not host:
        raise BlockedURL(f"the URL has no host name: {url[:100]}")
    if allow_private:
        return host
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise BlockedURL(f"cannot resolve host '{host}': {exc.strerror or exc}") from None
    for info in infos:
        check_address(str(info[4][0]), host=host)
    return host


def check_address(address: str, *, host: str) -> None:
    """Refuse loopback, private, link-local, multicast, reserved and unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        kind = (
            "loopback" if ip.is_loopback
            else "link-local" if ip.is_link_local
            else "private" if ip.is_private
            else "non-public"
        )
        raise BlockedURL(f"'{host}' is a {kind} address ({ip}); fetch_url reaches only public hosts ({_PRIVATE_HINT})")

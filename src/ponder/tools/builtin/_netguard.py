"""Which addresses ``fetch_url`` may reach: http(s) only, and by default only public addresses.

The decision is made on the address actually connected to. ``GuardedBackend`` (the network
layer under httpx) resolves a host name once, refuses it unless *every* address it resolves
to is public, connects to one of those checked addresses (never to the name again, so a
name that answers differently the second time, DNS rebinding, gains nothing) and checks the
socket's peer before a byte is sent. Every redirect opens its connection through the same
layer. ``check_url`` refuses other schemes and literal private addresses before any of that,
so the model gets the reason at once.

"Public" is the IANA special-purpose registries seen through ``ipaddress``, and more: an IPv6
address that carries an IPv4 one (mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, 6to4
``2002::/16``, NAT64 ``64:ff9b::/96``, Teredo) is judged by the IPv4 address inside too, and
IPv4 in the legacy spellings (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``) is read
the way the C library reads it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class BlockedURL(PermissionError):
    """A URL ``fetch_url`` refuses; the message is the observation the model reads."""


_PRIVATE_HINT = "the user can allow local addresses with PONDER_FETCH_ALLOW_PRIVATE=1"
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def why_not_public(ip: IPAddress) -> str | None:
    """The kind of non-public address ``ip`` is ("loopback", "private", ...), or None when public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return why_not_public(ip.ipv4_mapped)
        if ip in _NAT64:  # the well-known NAT64 prefix reaches exactly the IPv4 address inside
            return why_not_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        for inner in _embedded_ipv4(ip):
            kind = why_not_public(inner)
            if kind is not None:
                return kind
        if ip in _IPV4_COMPATIBLE and not (ip.is_loopback or ip.is_unspecified):
            return "deprecated IPv4-compatible"
        if ip in _NAT64_LOCAL:
            return "private"
        if ip.is_site_local:
            return "site-local"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("broadcast", ip == _BROADCAST),
        ("shared (carrier-grade NAT)", ip in _CGNAT),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    kind = next((name for name, hit in checks if hit), None)
    if kind is None and not ip.is_global:
        kind = "non-public"
    return kind


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 one stands for (so its IPv4 part is judged too)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(low32)
    return found


def parse_address(text: str) -> IPAddress | None:
    """An IP address in any spelling a resolver would accept for one, or None for a host name."""
    bare = text.strip("[]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if bare and all(c in "0123456789abcdefxABCDEFX." for c in bare):
        try:  # inet_aton reads 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 as 127.0.0.1
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def refuse(address: str, *, host: str, policy: Callable[[IPAddress], str | None] = why_not_public) -> None:
    """Raise ``BlockedURL`` unless ``address`` is acceptable to ``policy`` (public by default)."""
    ip = parse_address(address.split("%")[0])
    if ip is None:
        raise BlockedURL(f"'{host}' gave '{address[:60]}', which is not an IP address")
    kind = policy(ip)
    if kind is None:
        return
    inner = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    shown = str(inner) if inner is not None else str(ip)
    if isinstance(ip, ipaddress.IPv6Address) and inner is None:
        carried = [str(v4) for v4 in _embedded_ipv4(ip) if policy(v4) is not None]
        if carried:
            shown = f"{carried[0]} inside {ip}"
    raise BlockedURL(f"'{host}' is a {kind} address ({shown}); fetch_url reaches only public hosts ({_PRIVATE_HINT})")


def check_address(address: str, *, host: str) -> None:
    """Refuse loopback, private, link-local, multicast, reserved and unspecified addresses."""
    refuse(address, host=host)


def check_url(url: str, *, allow_private: bool, judge: Callable[[IPAddress], str | None] = why_not_public) -> str:
    """The host of an acceptable URL; raises ``BlockedURL`` with the reason otherwise.

    Host names are judged when connecting (``GuardedBackend``), on the addresses connected to.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise BlockedURL(f"only http:// and https:// URLs can be fetched, not {shown} ({url[:100]})")
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if not host:
        raise BlockedURL(f"the URL has no host name: {url[:100]}")
    if not allow_private and parse_address(host) is not None:
        refuse(host, host=host, policy=judge)
    return host


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, as the connection would use it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedURL(f"cannot resolve host '{host}': {getattr(exc, 'strerror', None) or exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AddressPolicy:
    """What ``GuardedBackend`` may connect to. Tests swap the resolver (no DNS here) or the judge."""

    allow_private: bool = False
    resolve: Resolver = resolve_host
    judge: Callable[[IPAddress], str | None] = why_not_public


def guarded_backend(policy: AddressPolicy) -> httpcore.NetworkBackend:
    """An httpcore network backend that connects only to addresses ``policy`` accepts."""
    import httpcore

    class GuardedBackend(httpcore.NetworkBackend):
        def __init__(self) -> None:
            self._inner = httpcore.SyncBackend()

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,  # httpcore's socket options, passed through
        ) -> httpcore.NetworkStream:
            literal = parse_address(host)
            addresses = [str(literal)] if literal is not None else policy.resolve(host, port)
            if not addresses:
                raise BlockedURL(f"host '{host}' has no address")
            if not policy.allow_private:
                for address in addresses:  # every address, so no answer of the name is private
                    refuse(address, host=host, policy=policy.judge)
            last: Exception | None = None
            for address in addresses:
                try:
                    stream = self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
                except httpcore.ConnectError as exc:
                    last = exc
                    continue
                if not policy.allow_private:
                    self._check_peer(stream, host)
                return stream
            raise last or httpcore.ConnectError(f"cannot connect to {host}")

        def _check_peer(self, stream: httpcore.NetworkStream, host: str) -> None:
            sock = stream.get_extra_info("socket")
            try:
                peer = str(sock.getpeername()[0]) if sock is not None else None
                if peer is not None:
                    refuse(peer, host=host, policy=policy.judge)
            except BaseException:
                stream.close()
                raise

        def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[Any] | None = None,  # httpcore's socket options, passed through
        ) -> httpcore.NetworkStream:
            raise BlockedURL("fetch_url does not connect to Unix sockets")

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    return GuardedBackend()

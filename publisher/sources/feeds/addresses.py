"""Which addresses a feed may reach: the guard against server-side request forgery.

A feed URL comes from a person, and its server picks where a redirect goes,
so without a guard a feed could read oyez's own network (a metadata service,
an admin page on 127.0.0.1) and, in auto mode, post what it found. Each
connection is therefore made by :class:`GuardedBackend`: it resolves the name
once, refuses if **any** address is loopback, private, link-local, multicast,
reserved or unspecified, and connects to the address it checked, so a second
lookup cannot answer differently (DNS rebinding). The URL, the Host header
and TLS (SNI and the certificate check) still use the name: httpcore derives
them from the URL, not from the address a socket connects to. Every
redirect hop opens its own connection, so every hop is checked.

Any spelling the resolver accepts (``2130706433``, ``0x7f.1``, ``127.1``,
``[::ffff:127.0.0.1]``...) is checked as the address it resolves to.
``file://`` URLs are refused unless ``feeds.allow_files`` says so.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpcore
import httpx

from publisher.sources.feeds.errors import FetchError

if TYPE_CHECKING:
    import ssl

    from publisher.context.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PRIVATE_SETTING = "feeds.allow_private_addresses (OYEZ_FEEDS__ALLOW_PRIVATE_ADDRESSES=true)"
FILES_SETTING = "feeds.allow_files (OYEZ_FEEDS__ALLOW_FILES=true)"


class AddressRefused(FetchError):
    """The URL or one of its redirects points where feeds may not go."""


@dataclass(frozen=True)
class Access:
    """What feeds may reach beyond public HTTP(S) addresses."""

    allow_private_addresses: bool = False
    allow_files: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Access:
        return cls(
            allow_private_addresses=settings.feeds.allow_private_addresses,
            allow_files=settings.feeds.allow_files,
        )


def refuse_file(access: Access) -> None:
    if not access.allow_files:
        raise AddressRefused(
            f"file:// feeds are off: they read local files; to allow them set {FILES_SETTING}"
        )


#: NAT64's well-known prefix: the last 32 bits are the IPv4 address reached.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped, 6to4 or NAT64 IPv6 address, else ``ip``."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return ip
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.ipv4_mapped or ip.sixtofour or ip


def kind(ip: IPAddress) -> str | None:
    """What makes ``ip`` off limits ("loopback", "private"...), or None for a public address."""
    ip = _embedded(ip)
    for name, hit in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    ):
        if hit:
            return name
    return None


def check(host: str, addresses: Iterable[IPAddress], access: Access) -> None:
    """Raise :class:`AddressRefused` unless every address may be fetched."""
    if access.allow_private_addresses:
        return
    for ip in addresses:
        if (what := kind(ip)) is not None:
            shown = host if host == str(ip) else f"{host} ({ip})"
            article = "an" if what[0] in "aeiou" else "a"
            raise AddressRefused(
                f"{shown} is {article} {what} address: feeds fetch only public addresses; "
                f"to allow it set {PRIVATE_SETTING}"
            )


def lookup(host: str, port: int) -> list[tuple[IPAddress, str]]:
    """Every address ``host`` names, in the resolver's order, with the text to connect to.

    The one place a name is resolved (tests replace it to fake DNS).
    """
    found: dict[IPAddress, str] = {}
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        text = str(sockaddr[0])
        found.setdefault(ipaddress.ip_address(text.split("%", 1)[0]), text)
    return list(found.items())


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, resolving and checking before it connects."""

    def __init__(self, access: Access) -> None:
        self.access = access

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = lookup(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise httpcore.ConnectError(f"{host}: {exc}") from None
        if not found:
            raise httpcore.ConnectError(f"{host}: no address")
        check(host, (ip for ip, _ in found), self.access)
        failure: httpcore.ConnectError | None = None
        for _, address in found:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose every connection is guarded."""

    def __init__(self, access: Access, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        limits = httpx.Limits()
        # httpx takes no network backend, so its pool is replaced by an equal one
        # with ours (test_fetch_guard checks that every connection goes through it).
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(access),
        )

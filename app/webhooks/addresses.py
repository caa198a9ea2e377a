"""Where a webhook may be sent: https to a public address, unless an admin allowed plain http or a private one.

Checked when a subscription is saved and again before every delivery (a name's addresses can change), against
every address the name resolves to; the delivery then connects to the address that was checked (no second
look-up a rebinding DNS server could answer differently).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.i18n import MESSAGES

MAX_URL_LENGTH = 2000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(Exception):
    """A webhook URL that may not be used, with the reason (a sentence for the person who gave it)."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (not private, loopback, link-local, reserved, …).

    An IPv6 address that embeds an IPv4 one (``::ffff:127.0.0.1``, 6to4) is judged by the IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
        if address.teredo is not None or address.is_site_local:
            return False
    refused = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return not refused and address.is_global


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (itself when it is an address)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(MESSAGES.gettext("the host {host} cannot be found", host=host)) from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedAddress(MESSAGES.gettext("the host {host} cannot be found", host=host))
    return addresses


def check_form(url: str, allow_private: bool) -> tuple[str, str, int]:
    """The scheme, host and port of a well-formed webhook URL, or :class:`RefusedAddress` saying what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedAddress(MESSAGES.gettext("is longer than {count} characters", count=MAX_URL_LENGTH))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress(MESSAGES.gettext("is not a valid URL")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise RefusedAddress(MESSAGES.gettext("must be an https:// URL with a host name"))
    if scheme == "http" and not allow_private:
        raise RefusedAddress(MESSAGES.gettext("must use https:// (plain http needs an admin's allowance)"))
    if parts.username or parts.password:
        raise RefusedAddress(MESSAGES.gettext("must not hold a user name or password"))
    if parts.fragment:
        raise RefusedAddress(MESSAGES.gettext("must not hold a fragment (#…)"))
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def check_url(url: str, allow_private: bool) -> Target:
    """Check ``url`` and resolve its host: the address to connect to, or :class:`RefusedAddress`.

    Every address of the name must be public unless ``allow_private``; the first one is the one connected to.
    """
    scheme, host, port = check_form(url, allow_private)
    addresses = _resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise RefusedAddress(
                    MESSAGES.gettext(
                        "points to {address}, a private, loopback, link-local or reserved address "
                        "(refused unless an admin allows private addresses)",
                        address=str(address),
                    )
                )
    return Target(url, scheme, host, port, addresses[0])

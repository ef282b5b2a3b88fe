"""The visitor's IP address, as far as this site can trust it.

`REMOTE_ADDR` is the address that connected to us. Behind reverse proxies that is the
nearest proxy, and each proxy appends the address it saw to `X-Forwarded-For`; everything
left of what our own proxies added was written by the visitor and may be forged. So the
header is read only through `TRUSTED_PROXY_COUNT` proxies, counting from the right.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The visitor's IP address (a string, normalised), or None when the request has none.

    `REMOTE_ADDR`, or the address `TRUSTED_PROXY_COUNT` hops from the right of
    `X-Forwarded-For`; a header shorter than that, or not an address there, is ignored.
    """
    address = _address(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            address = _address(forwarded[-hops]) or address
    return address


def _address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None

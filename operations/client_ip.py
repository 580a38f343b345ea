"""The client's IP address, for every throttle: REMOTE_ADDR, or what a trusted proxy says.

Behind a proxy REMOTE_ADDR is the proxy's own address, so every client would share one
throttle. A proxy appends the address it received the connection from to
X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, most load balancers): the last
entry is the one our proxy wrote, while anything before it came from the client and
proves nothing. CLIENT_IP_HEADER names the header (DJANGO_CLIENT_IP_HEADER; by default
HTTP_X_FORWARDED_FOR when DJANGO_BEHIND_TLS_PROXY=1, else none). A value that is not an
IP address counts as absent.
"""

from ipaddress import ip_address

from django.conf import settings


def client_ip(request) -> str:
    header = settings.CLIENT_IP_HEADER
    if header:
        for candidate in reversed(request.META.get(header, "").split(",")):
            candidate = candidate.strip()
            if candidate:
                return _valid(candidate) or request.META.get("REMOTE_ADDR", "")
    return request.META.get("REMOTE_ADDR", "")


def _valid(candidate: str) -> str | None:
    try:
        return str(ip_address(candidate))
    except ValueError:
        return None

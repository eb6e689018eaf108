"""Which proxy a request goes through, read as ``requests`` (and so the official client)
reads it. Pure apart from reading the environment; no I/O.

* ``proxy=`` wins for every request, as a proxy given to ``requests`` does.
* Else the environment, through the standard library's own readers, which ``requests``
  uses too (:func:`urllib.request.getproxies`): ``http_proxy``/``HTTP_PROXY`` for http URLs,
  ``https_proxy``/``HTTPS_PROXY`` for https ones, ``all_proxy``/``ALL_PROXY`` for either
  (lower case wins; on macOS and Windows the system settings when no variable is set).
* ``no_proxy``/``NO_PROXY`` sends a host direct when it names the host or a domain it is in
  (``example.com``, ``.example.com``), the host and its port (``example.com:8443``), an
  IP address or a block holding it (``127.0.0.0/8``, ``10.0.0.0/8``, ``fd00::/8``), or
  ``*``.
* A proxy without a scheme (``HTTP_PROXY=127.0.0.1:3128``) is an http one, as ``requests``
  takes it. One that is not http(s) (a SOCKS proxy, a typo) is a
  :class:`~aiodeploy.errors.ConfigurationError` when the client is made, not an error at
  every request. Messages never show the proxy URL: it may hold a password.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.request
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["bypasses_proxy", "proxy_for_url"]

_PROXY_SCHEMES = ("http", "https")


def proxy_for_url(url: str, proxy: str | None) -> tuple[str | None, bool]:
    """The proxy a request to ``url`` goes through, and whether it came from the environment.

    Args:
        url: the absolute URL of the request.
        proxy: the ``proxy=`` option (``None``: read the environment).

    Returns:
        ``(proxy URL with its scheme, from_environment)``; ``(None, False)`` to go direct.

    Raises:
        ConfigurationError: the proxy is not an http:// or https:// URL with a host.
    """
    if proxy is not None:
        return _checked(proxy, "the proxy argument"), False
    parts = urlsplit(url)
    if not parts.hostname or bypasses_proxy(url):
        return None, False
    found = urllib.request.getproxies()
    for key in (parts.scheme.lower(), "all"):
        if found.get(key):
            return _checked(found[key], _variable(key)), True
    return None, False


def bypasses_proxy(url: str) -> bool:
    """Whether ``no_proxy``/``NO_PROXY`` (or the system's exceptions) send ``url`` direct."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    no_proxy = urllib.request.getproxies().get("no", "")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        for entry in no_proxy.replace(" ", "").split(","):
            if "/" in entry and _in_block(address, entry):
                return True
    # The standard library matches names, domains and "*", and an entry with a port
    # against "host:port"; a port only counts when the URL names one, as in requests.
    target = f"{host}:{parts.port}" if parts.port else host
    try:
        return bool(urllib.request.proxy_bypass(target))
    except (TypeError, OSError):  # a system lookup that failed: not an exception to honour
        return False


def _in_block(address: ipaddress.IPv4Address | ipaddress.IPv6Address, entry: str) -> bool:
    try:
        return address in ipaddress.ip_network(entry, strict=False)
    except ValueError:  # not a block (a path, a typo): requests skips it too
        return False


def _checked(value: str, source: str) -> str:
    text = value.strip()
    if "://" not in text:
        text = f"http://{text}"  # requests prepends it too (prepend_scheme_if_needed)
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number, or out of range
        port_ok = False
    scheme = parts.scheme.lower()
    if scheme not in _PROXY_SCHEMES or not parts.hostname or not port_ok:
        kind = f" (its scheme is {scheme}://)" if scheme and scheme not in _PROXY_SCHEMES else ""
        raise ConfigurationError(
            f"The proxy from {source} is not an http:// or https:// proxy URL such as "
            f"http://proxy.example.com:3128{kind}; this client cannot use SOCKS or other "
            "proxies."
        )
    return text


def _variable(key: str) -> str:
    """The variable a proxy of ``key`` (``http``, ``https``, ``all``) came from."""
    for name in (f"{key}_proxy", f"{key.upper()}_PROXY"):
        if os.environ.get(name):
            return name
    return "the system proxy settings"

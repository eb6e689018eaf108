"""Which certificates TLS trusts, read as ``requests`` (and so the official client) reads them.

A CA bundle is a PEM file of CA certificates, or a directory of them prepared with
``openssl rehash`` (``requests`` takes a directory as ``ca_cert_dir``). Naming one means
trusting it alone, not the system's CAs besides, as in ``requests``. The bundle is loaded
when the client is made, so a file that is not a bundle is a
:class:`~aiodeploy.errors.ConfigurationError` naming the file and where it was named, before
any request. A bundle is loaded once per version of its file and shared by the clients made
since (loading a system bundle takes tens of milliseconds, and ``REQUESTS_CA_BUNDLE`` is often
set to one): a file written again or replaced (its ctime or inode changes) is loaded again.
"""

from __future__ import annotations

import functools
import ssl
import stat
from pathlib import Path

from .errors import ConfigurationError

__all__ = ["ca_bundle_context", "system_context"]


def ca_bundle_context(path: str, source: str) -> ssl.SSLContext:
    """A verifying context that trusts the CA bundle at ``path``.

    Args:
        path: a PEM file of CA certificates, or a directory of hashed ones.
        source: where the path was named, for messages (``REQUESTS_CA_BUNDLE``,
            ``ssl_verify in /home/me/.config/datarobot/drconfig.yaml``, ``the ssl argument``).

    Returns:
        The context (hostname checked, certificates required).

    Raises:
        ConfigurationError: the path is missing or unreadable, or the file holds no
            certificate.
    """
    location = Path(path).expanduser()
    try:
        info = location.stat()
        version = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        return _load(str(location), stat.S_ISDIR(info.st_mode), version)
    except ssl.SSLError as exc:  # an OSError too: caught first
        reason = f"{exc.library}: {exc.reason}" if exc.reason else str(exc)
        raise ConfigurationError(
            f"The CA bundle {str(location)!r} named by {source} is not a PEM file of CA "
            f"certificates ({reason}). Name a bundle of PEM certificates, or a directory of "
            "them prepared with openssl rehash."
        ) from exc
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot read the CA bundle {str(location)!r} named by {source}: {exc.strerror or exc}."
        ) from exc


@functools.lru_cache(maxsize=8)
def _load(location: str, directory: bool, version: tuple[int, ...]) -> ssl.SSLContext:
    """The context of one version of a bundle (``version`` only keys the cache: a file put
    in its place has another inode, and writing it changes its ctime, which no one can set
    back). Nothing changes a context once made, so clients can share it."""
    if directory:
        # OpenSSL looks certificates up there by subject hash, when a handshake needs one
        return ssl.create_default_context(capath=location)
    return ssl.create_default_context(cafile=location)


def system_context() -> ssl.SSLContext:
    """A verifying context that trusts the system's CAs (``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` honoured, as OpenSSL reads them when the context is made)."""
    return ssl.create_default_context()

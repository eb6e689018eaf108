"""Where the endpoint, the token and the transport settings come from.

Precedence, per key: explicit arguments, then the environment (``DATAROBOT_ENDPOINT``,
``DATAROBOT_API_TOKEN``, ``DATAROBOT_SSL_VERIFY``, ``DATAROBOT_MAX_RETRIES``), then the YAML
file named by ``DATAROBOT_CONFIG_FILE`` or else ``~/.config/datarobot/drconfig.yaml`` (keys
``endpoint``, ``token``, ``ssl_verify``, ``connect_timeout``, ``max_retries``,
``token_type``), as the official client reads it. When TLS is verified without a bundle of
its own, ``REQUESTS_CA_BUNDLE`` then ``CURL_CA_BUNDLE`` name the CA bundle (a file, or a
directory of hashed certificates), as ``requests`` reads them.

Values are cleaned or refused here, before any request: surrounding whitespace (a token
read from a file ends with a newline) and a byte-order mark at the start (a file saved as
"UTF-8 with BOM") are stripped; a token with whitespace, control characters or a
byte-order mark inside, an endpoint that is not an http(s) URL, holds a user name or
password, a query or a fragment, or lacks ``/api/v2``, a CA bundle that does not exist, are
a :class:`~aiodeploy.errors.ConfigurationError` whose message never holds the token (nor a
password in the endpoint). The bundle's content is checked when the client loads it
(:mod:`aiodeploy._tls`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import ConfigurationError

DEFAULT_CONFIG_PATH = Path("~/.config/datarobot/drconfig.yaml")
API_PATH = "/api/v2"
_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_BOM = "\ufeff"
_EXAMPLE_ENDPOINT = "https://app.datarobot.com/api/v2"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclasses.dataclass(frozen=True)
class Config:
    """A resolved configuration. Its repr never shows the token."""

    endpoint: str
    token: str = dataclasses.field(repr=False)
    token_type: str = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    ssl_verify: bool | str = True
    # where a CA bundle path was named, for messages; not part of the configuration's value
    ssl_source: str = dataclasses.field(default="ssl_verify", compare=False)
    connect_timeout: float = 6.05
    max_retries: int | None = None


def _strict_bool(name: str, value: str) -> bool:
    # The official client treats "FALSE" or "off" as true; a typo must not disable TLS checks.
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"{name}={value!r} is not a boolean (use true/false, 1/0).")


def _whole_number(name: str, value: str) -> int:
    if not (value.strip().isascii() and value.strip().isdecimal()):
        raise ConfigurationError(f"{name}={value!r} is not a whole number.")
    return int(value)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the config file {str(path)!r}: {exc}.") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # Not chained: the YAML error quotes the offending line, which may hold the token.
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigurationError(
            f"The config file {str(path)!r} is not valid YAML{where}."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"The config file {str(path)!r} must hold a mapping of keys.")
    return data


def _yaml_layer(env: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    named = env.get("DATAROBOT_CONFIG_FILE")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"DATAROBOT_CONFIG_FILE names a missing file: {named!r}.")
        return _load_yaml(path), str(path)
    default = Path(env.get("HOME", "~")) / ".config/datarobot/drconfig.yaml"
    path = default if "HOME" in env else DEFAULT_CONFIG_PATH.expanduser()
    if path.is_file():
        return _load_yaml(path), str(path)
    return {}, None


def _clean(text: str) -> str:
    """``text`` without surrounding whitespace, nor a byte-order mark at its start (an
    editor's "UTF-8 with BOM" keeps one at the start of a file)."""
    text = text.strip()
    return text[1:].strip() if text.startswith(_BOM) else text


def _check_endpoint(endpoint: str) -> str:
    endpoint = _clean(endpoint)
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
        parts.port  # noqa: B018 (reading it checks the port)
    except ValueError:  # e.g. an unbalanced "[" or a bad port
        host = None
    if parts.scheme.lower() not in ("http", "https") or not host or _has_space(endpoint):
        raise ConfigurationError(
            # the value is not shown: an endpoint and token swapped by mistake would leak it
            f"The configured endpoint is not an http(s) URL such as {_EXAMPLE_ENDPOINT}."
        )
    # shown without user name, password, query or fragment: any of them may be a secret
    bare = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path.rstrip('/')}"
    if "@" in parts.netloc:
        # aiohttp would make an Authorization header of them, and refuse ours at each request
        raise ConfigurationError(
            "The configured endpoint holds a user name or password; DataRobot takes the "
            f"API token instead. Give the endpoint without them: {bare}."
        )
    if "?" in endpoint or "#" in endpoint:
        # the API paths are appended to the endpoint: they would land inside the query
        raise ConfigurationError(
            "The configured endpoint has a query (?...) or a fragment (#...), which the API "
            f"paths would be appended to. Give the endpoint without it: {bare}."
        )
    endpoint = endpoint.rstrip("/")
    if not parts.path.rstrip("/").endswith(API_PATH):
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        raise ConfigurationError(
            f"The endpoint {endpoint} does not end with {API_PATH}, where DataRobot serves "
            f"its API: did you mean {base}{API_PATH}?"
        )
    return endpoint


def _has_space(text: str) -> bool:
    return any(char.isspace() or not char.isprintable() for char in text)


def _check_token(token: str, source: str) -> str:
    token = _clean(token)
    if not token:
        raise ConfigurationError(f"The DataRobot token from {source} is empty.")
    if _BOM in token:
        raise ConfigurationError(
            f"The DataRobot token from {source} holds a byte-order mark (U+FEFF) inside it "
            "(one starts each file saved as UTF-8 with BOM: two texts were perhaps joined); "
            "check that it was copied whole, and only once."
        )
    if _has_space(token):
        raise ConfigurationError(
            f"The DataRobot token from {source} holds whitespace or control characters "
            "inside it; check that it was copied whole, and only once."
        )
    return token


def _ca_bundle(verify: bool | str, source: str, env: Mapping[str, str]) -> tuple[bool | str, str]:
    """``verify`` with a CA bundle from the environment when it says only ``True``, and
    where a bundle was named."""
    if verify is True:
        for name in _CA_BUNDLE_VARIABLES:
            if env.get(name, "").strip():
                return _existing_bundle(env[name].strip(), name), name
        return True, source
    if isinstance(verify, str):
        return _existing_bundle(verify.strip(), source), source
    return verify, source


def _existing_bundle(path: str, source: str) -> str:
    if not path:  # Path("") is the current directory: never trust it by accident
        raise ConfigurationError(
            f"The CA bundle named by {source} is empty. Name a PEM file of CA certificates, "
            "or use True (the system's CAs) or False (no verification)."
        )
    if not Path(path).expanduser().exists():
        raise ConfigurationError(f"The CA bundle named by {source} does not exist: {path!r}.")
    return str(Path(path).expanduser())


def _typed(source: str, key: str, value: Any, kinds: tuple[type, ...]) -> Any:
    # bool is an int to isinstance(); "max_retries: yes" must not become 1
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        shown = type(value).__name__ if key == "token" else repr(value)  # never echo a token
        raise ConfigurationError(f"{key} in {source} must be {names}, got {shown}.")
    return value


def resolve_config(
    endpoint: str | None = None,
    token: str | None = None,
    *,
    token_type: str | None = None,
    ssl_verify: bool | str | None = None,
    connect_timeout: float | None = None,
    max_retries: int | None = None,
    env: Mapping[str, str] | None = None,
    ssl_argument: str = "ssl_verify",
) -> Config:
    """Resolve the configuration from arguments, environment and drconfig.yaml.

    A token or endpoint is stripped of surrounding whitespace and of a byte-order mark at
    its start (a file saved as UTF-8 with BOM), from every source.

    Args:
        endpoint: API endpoint such as ``https://app.datarobot.com/api/v2``.
        token: API token.
        token_type: ``Bearer`` (default) or ``Token``.
        ssl_verify: ``True``, ``False`` or a CA bundle path.
        connect_timeout: seconds to open a connection.
        max_retries: attempts after the first for retryable failures.
        env: the environment to read (defaults to :data:`os.environ`).
        ssl_argument: the name under which the caller took ``ssl_verify``, for messages
            (the client's is ``ssl``).

    Returns:
        The resolved :class:`Config`.

    Raises:
        ConfigurationError: nothing gives an endpoint or a token, or a source is malformed.
    """
    env = os.environ if env is None else env
    file_values, file_path = _yaml_layer(env)
    file_name = file_path or "drconfig.yaml"
    tried = ["arguments", "DATAROBOT_ENDPOINT/DATAROBOT_API_TOKEN"]
    tried.append(file_path or f"{DEFAULT_CONFIG_PATH} (absent)")

    def pick(
        arg: Any,
        env_key: str | None,
        file_key: str,
        kinds: tuple[type, ...],
        parse: Callable[[str, str], Any] = lambda _name, raw: raw,
    ) -> Any:
        if arg is not None:
            return arg
        if env_key and env.get(env_key):
            return parse(env_key, env[env_key])
        if file_values.get(file_key) is not None:
            return _typed(file_name, file_key, file_values[file_key], kinds)
        return None

    endpoint_value = pick(endpoint, "DATAROBOT_ENDPOINT", "endpoint", (str,))
    token_value = pick(token, "DATAROBOT_API_TOKEN", "token", (str,))
    missing = [name for name, v in (("endpoint", endpoint_value), ("token", token_value)) if not v]
    if missing:
        raise ConfigurationError(
            f"No DataRobot {' or '.join(missing)} is configured (tried {', '.join(tried)}). "
            "Pass endpoint= and token=, or set DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN."
        )

    verify = pick(ssl_verify, "DATAROBOT_SSL_VERIFY", "ssl_verify", (bool, str), _strict_bool)
    retries = pick(max_retries, "DATAROBOT_MAX_RETRIES", "max_retries", (int,), _whole_number)
    timeout = pick(connect_timeout, None, "connect_timeout", (int, float))
    kind = pick(token_type, None, "token_type", (str,))
    kind = kind or "Bearer"
    if kind not in ("Bearer", "Token"):
        raise ConfigurationError(f"token_type must be 'Bearer' or 'Token', got {kind!r}.")
    if retries is not None and retries < 0:
        raise ConfigurationError(f"max_retries must be >= 0, got {retries}.")
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise ConfigurationError(f"connect_timeout must be > 0, got {timeout}.")
    if token is not None:
        where = "the token argument"
    elif env.get("DATAROBOT_API_TOKEN"):
        where = "DATAROBOT_API_TOKEN"
    else:
        where = file_name
    if ssl_verify is not None:
        ssl_from = f"the {ssl_argument} argument"
    else:
        ssl_from = f"ssl_verify in {file_name}"  # DATAROBOT_SSL_VERIFY is never a path
    verify, ssl_from = _ca_bundle(True if verify is None else verify, ssl_from, env)
    return Config(
        endpoint=_check_endpoint(str(endpoint_value)),
        token=_check_token(str(token_value), where),
        token_type=kind,
        ssl_verify=verify,
        ssl_source=ssl_from,
        connect_timeout=6.05 if timeout is None else float(timeout),
        max_retries=retries,
    )

"""resolve_config: arguments > environment > drconfig.yaml, per key, with strict parsing."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest

from aiodeploy import AsyncDeploymentClient
from aiodeploy._config import Config, resolve_config
from aiodeploy.errors import ConfigurationError

ARG_ENDPOINT = "https://arg.test/api/v2"
ENV_ENDPOINT = "https://env.test/api/v2"
FILE_ENDPOINT = "https://file.test/api/v2"
ARG_TOKEN = "arg-token-0123456789"
ENV_TOKEN = "env-token-0123456789"
FILE_TOKEN = "file-token-0123456789"


def write_default_yaml(home: Path, text: str) -> Path:
    path = home / ".config" / "datarobot" / "drconfig.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_named_yaml(tmp_path: Path, text: str, name: str = "named.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def full_env(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), **extra}


# --- precedence -------------------------------------------------------------------------


def test_explicit_arguments_win_over_env_and_yaml(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    env = full_env(home, DATAROBOT_ENDPOINT=ENV_ENDPOINT, DATAROBOT_API_TOKEN=ENV_TOKEN)
    config = resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env)
    assert (config.endpoint, config.token) == (ARG_ENDPOINT, ARG_TOKEN)


def test_env_wins_over_yaml(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    env = full_env(home, DATAROBOT_ENDPOINT=ENV_ENDPOINT, DATAROBOT_API_TOKEN=ENV_TOKEN)
    config = resolve_config(env=env)
    assert (config.endpoint, config.token) == (ENV_ENDPOINT, ENV_TOKEN)


def test_default_yaml_under_home_is_read(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    config = resolve_config(env=full_env(home))
    assert (config.endpoint, config.token) == (FILE_ENDPOINT, FILE_TOKEN)


def test_datarobot_config_file_replaces_the_default_yaml(tmp_path: Path, home: Path) -> None:
    write_default_yaml(home, "endpoint: https://default.test/api/v2\ntoken: default-token\n")
    named = write_named_yaml(tmp_path, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    config = resolve_config(env=full_env(home, DATAROBOT_CONFIG_FILE=str(named)))
    assert (config.endpoint, config.token) == (FILE_ENDPOINT, FILE_TOKEN)


def test_datarobot_config_file_expands_user(home: Path) -> None:
    path = write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    relative = "~/" + str(path.relative_to(home))
    env = full_env(home, DATAROBOT_CONFIG_FILE=relative)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))  # expanduser reads the real environment
        config = resolve_config(env=env)
    assert config.token == FILE_TOKEN


@pytest.mark.parametrize(
    ("args", "env_extra", "expected"),
    [
        # endpoint from the environment, token from the file
        ({}, {"DATAROBOT_ENDPOINT": ENV_ENDPOINT}, (ENV_ENDPOINT, FILE_TOKEN)),
        # token from the environment, endpoint from the file
        ({}, {"DATAROBOT_API_TOKEN": ENV_TOKEN}, (FILE_ENDPOINT, ENV_TOKEN)),
        # endpoint argument, token from the environment
        ({"endpoint": ARG_ENDPOINT}, {"DATAROBOT_API_TOKEN": ENV_TOKEN}, (ARG_ENDPOINT, ENV_TOKEN)),
        # token argument, endpoint from the file
        ({"token": ARG_TOKEN}, {}, (FILE_ENDPOINT, ARG_TOKEN)),
    ],
)
def test_precedence_is_per_key(
    home: Path, args: dict[str, Any], env_extra: dict[str, str], expected: tuple[str, str]
) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    config = resolve_config(**args, env=full_env(home, **env_extra))
    assert (config.endpoint, config.token) == expected


def test_empty_env_values_fall_through_to_yaml(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\n")
    env = full_env(home, DATAROBOT_ENDPOINT="", DATAROBOT_API_TOKEN="")
    config = resolve_config(env=env)
    assert (config.endpoint, config.token) == (FILE_ENDPOINT, FILE_TOKEN)


def test_defaults_when_only_endpoint_and_token_are_given(home: Path) -> None:
    config = resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=full_env(home))
    assert config == Config(
        endpoint=ARG_ENDPOINT,
        token=ARG_TOKEN,
        token_type="Bearer",
        ssl_verify=True,
        connect_timeout=6.05,
        max_retries=None,
    )


@pytest.mark.parametrize(
    "endpoint", ["https://arg.test/api/v2/", "https://arg.test/api/v2//", "https://arg.test/api/v2"]
)
def test_endpoint_trailing_slashes_are_stripped(home: Path, endpoint: str) -> None:
    assert resolve_config(endpoint, ARG_TOKEN, env=full_env(home)).endpoint == ARG_ENDPOINT


# --- other keys ---------------------------------------------------------------------------


def test_all_yaml_keys_are_read(tmp_path: Path, home: Path) -> None:
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    named = write_named_yaml(
        tmp_path,
        f"endpoint: {FILE_ENDPOINT}\n"
        f"token: {FILE_TOKEN}\n"
        f"ssl_verify: {bundle}\n"
        "connect_timeout: 2.5\n"
        "max_retries: 7\n"
        "token_type: Token\n"
        "default_use_case: ignored-extra-key\n",
    )
    config = resolve_config(env=full_env(home, DATAROBOT_CONFIG_FILE=str(named)))
    assert config.ssl_verify == str(bundle)
    assert config.connect_timeout == 2.5
    assert isinstance(config.connect_timeout, float)
    assert config.max_retries == 7
    assert config.token_type == "Token"


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_yaml_ssl_verify_bool(home: Path, value: str, expected: bool) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: t\nssl_verify: {value}\n")
    assert resolve_config(env=full_env(home)).ssl_verify is expected


def test_yaml_integer_connect_timeout_becomes_float(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: t\nconnect_timeout: 3\n")
    config = resolve_config(env=full_env(home))
    assert config.connect_timeout == 3.0
    assert isinstance(config.connect_timeout, float)


def test_arguments_win_for_every_key(home: Path) -> None:
    write_default_yaml(
        home,
        f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\nssl_verify: true\n"
        "connect_timeout: 9\nmax_retries: 9\ntoken_type: Token\n",
    )
    env = full_env(home, DATAROBOT_SSL_VERIFY="true", DATAROBOT_MAX_RETRIES="8")
    config = resolve_config(
        token_type="Bearer", ssl_verify=False, connect_timeout=1.5, max_retries=0, env=env
    )
    assert config.token_type == "Bearer"
    assert config.ssl_verify is False
    assert config.connect_timeout == 1.5
    assert config.max_retries == 0


def test_env_wins_over_yaml_for_ssl_verify_and_max_retries(home: Path) -> None:
    write_default_yaml(
        home, f"endpoint: {FILE_ENDPOINT}\ntoken: t\nssl_verify: true\nmax_retries: 9\n"
    )
    env = full_env(home, DATAROBOT_SSL_VERIFY="0", DATAROBOT_MAX_RETRIES="2")
    config = resolve_config(env=env)
    assert config.ssl_verify is False
    assert config.max_retries == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("off", False),
        ("OFF", False),
        ("FALSE", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("0", False),
        (" false ", False),
        ("on", True),
        ("TRUE", True),
        ("yes", True),
        ("1", True),
    ],
)
def test_env_ssl_verify_is_a_strict_boolean(home: Path, raw: str, expected: bool) -> None:
    env = full_env(home, DATAROBOT_SSL_VERIFY=raw)
    assert resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env).ssl_verify is expected


@pytest.mark.parametrize("raw", ["maybe", "disabled", "/etc/ssl/ca.pem", "2", "nope"])
def test_env_ssl_verify_rejects_non_booleans(home: Path, raw: str) -> None:
    env = full_env(home, DATAROBOT_SSL_VERIFY=raw)
    with pytest.raises(ConfigurationError, match="DATAROBOT_SSL_VERIFY"):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env)


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("3", 3), (" 12 ", 12)])
def test_env_max_retries(home: Path, raw: str, expected: int) -> None:
    env = full_env(home, DATAROBOT_MAX_RETRIES=raw)
    assert resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env).max_retries == expected


@pytest.mark.parametrize("raw", ["-1", "three", "1.5", "1e3", "0x10"])
def test_env_max_retries_rejects_non_whole_numbers(home: Path, raw: str) -> None:
    env = full_env(home, DATAROBOT_MAX_RETRIES=raw)
    with pytest.raises(ConfigurationError, match="DATAROBOT_MAX_RETRIES"):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env)


@pytest.mark.parametrize("raw", ["²", "³"])
def test_env_max_retries_rejects_superscript_digits(home: Path, raw: str) -> None:
    env = full_env(home, DATAROBOT_MAX_RETRIES=raw)
    with pytest.raises(ConfigurationError):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env)


@pytest.mark.parametrize("token_type", ["Token", "Bearer"])
def test_token_type_argument(home: Path, token_type: str) -> None:
    config = resolve_config(ARG_ENDPOINT, ARG_TOKEN, token_type=token_type, env=full_env(home))
    assert config.token_type == token_type


@pytest.mark.parametrize("token_type", ["Basic", "bearer", "token", "Bearer "])
def test_invalid_token_type_is_refused(home: Path, token_type: str) -> None:
    with pytest.raises(ConfigurationError, match="token_type") as info:
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, token_type=token_type, env=full_env(home))
    assert ARG_TOKEN not in str(info.value)


def test_invalid_token_type_in_yaml_is_refused(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\ntoken_type: JWT\n")
    with pytest.raises(ConfigurationError, match="token_type"):
        resolve_config(env=full_env(home))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"connect_timeout": -2.0}, "connect_timeout"),
    ],
)
def test_out_of_range_numbers_are_refused(home: Path, kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=full_env(home), **kwargs)  # type: ignore[arg-type]


def test_nan_connect_timeout_in_yaml_is_refused(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: t\nconnect_timeout: .nan\n")
    with pytest.raises(ConfigurationError, match="connect_timeout"):
        resolve_config(env=full_env(home))


# --- malformed sources -------------------------------------------------------------------


def test_missing_datarobot_config_file_is_an_error(tmp_path: Path, home: Path) -> None:
    missing = tmp_path / "nope.yaml"
    env = full_env(home, DATAROBOT_CONFIG_FILE=str(missing))
    with pytest.raises(ConfigurationError, match=r"DATAROBOT_CONFIG_FILE") as info:
        resolve_config(env=env)
    assert "nope.yaml" in str(info.value)


def test_missing_datarobot_config_file_is_an_error_even_with_arguments(
    tmp_path: Path, home: Path
) -> None:
    env = full_env(home, DATAROBOT_CONFIG_FILE=str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigurationError):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env)


def test_datarobot_config_file_naming_a_directory_is_an_error(tmp_path: Path, home: Path) -> None:
    with pytest.raises(ConfigurationError):
        resolve_config(env=full_env(home, DATAROBOT_CONFIG_FILE=str(tmp_path)))


@pytest.mark.parametrize(
    "text",
    [
        "endpoint: [unclosed\n",
        "endpoint: https://h\n  token: : :\n",
        '"unterminated\n',
        "\t- tab indented: x\n",
    ],
)
def test_malformed_yaml_is_a_configuration_error(home: Path, text: str) -> None:
    write_default_yaml(home, text)
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        resolve_config(env=full_env(home))


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "42\n"])
def test_yaml_that_is_not_a_mapping_is_an_error(home: Path, text: str) -> None:
    write_default_yaml(home, text)
    with pytest.raises(ConfigurationError, match="mapping"):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=full_env(home))


def test_empty_yaml_counts_as_no_values(home: Path) -> None:
    write_default_yaml(home, "")
    config = resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=full_env(home))
    assert config.endpoint == ARG_ENDPOINT


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("max_retries: yes", "max_retries"),
        ("max_retries: true", "max_retries"),
        ("max_retries: 2.5", "max_retries"),
        ("max_retries: '3'", "max_retries"),
        ("connect_timeout: fast", "connect_timeout"),
        ("connect_timeout: true", "connect_timeout"),
        ("ssl_verify: 1", "ssl_verify"),
        ("ssl_verify: [a, b]", "ssl_verify"),
        ("token_type: 5", "token_type"),
        ("endpoint: 5", "endpoint"),
        ("endpoint: {a: 1}", "endpoint"),
    ],
)
def test_yaml_values_of_the_wrong_type_are_refused(home: Path, line: str, key: str) -> None:
    base = {"endpoint": f"endpoint: {FILE_ENDPOINT}", "token": f"token: {FILE_TOKEN}"}
    base[key] = line
    write_default_yaml(home, "\n".join(base.values()) + "\n")
    with pytest.raises(ConfigurationError, match=key) as info:
        resolve_config(env=full_env(home))
    assert FILE_TOKEN not in str(info.value)


def test_nothing_configured_names_what_was_tried(home: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_config(env=full_env(home))
    text = str(info.value)
    assert "endpoint" in text
    assert "token" in text
    assert "arguments" in text
    assert "DATAROBOT_ENDPOINT" in text
    assert "DATAROBOT_API_TOKEN" in text
    assert "drconfig.yaml" in text


def test_missing_token_only_is_named(home: Path) -> None:
    with pytest.raises(ConfigurationError, match="No DataRobot token is configured"):
        resolve_config(env=full_env(home, DATAROBOT_ENDPOINT=ENV_ENDPOINT))


def test_missing_endpoint_only_is_named(home: Path) -> None:
    with pytest.raises(ConfigurationError, match="No DataRobot endpoint is configured") as info:
        resolve_config(token=ARG_TOKEN, env=full_env(home))
    assert ARG_TOKEN not in str(info.value)


def test_the_named_file_appears_in_the_message_when_it_lacks_a_token(
    tmp_path: Path, home: Path
) -> None:
    named = write_named_yaml(tmp_path, f"endpoint: {FILE_ENDPOINT}\n", name="only-endpoint.yaml")
    with pytest.raises(ConfigurationError, match=r"only-endpoint\.yaml"):
        resolve_config(env=full_env(home, DATAROBOT_CONFIG_FILE=str(named)))


@pytest.mark.parametrize(
    "endpoint",
    [
        "ftp://app.datarobot.com/api/v2",
        "app.datarobot.com/api/v2",
        "https:///api/v2",
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_bad_endpoint_is_refused(home: Path, endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="endpoint") as info:
        resolve_config(endpoint, ARG_TOKEN, env=full_env(home))
    assert ARG_TOKEN not in str(info.value)


@pytest.mark.parametrize("endpoint", ["http://localhost:8080/api/v2", "HTTPS://APP.TEST/api/v2"])
def test_http_and_uppercase_schemes_are_accepted(home: Path, endpoint: str) -> None:
    assert resolve_config(endpoint, ARG_TOKEN, env=full_env(home)).endpoint == endpoint


# --- the token stays secret ---------------------------------------------------------------


def test_token_is_not_in_repr_or_str(home: Path) -> None:
    config = resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=full_env(home))
    assert ARG_TOKEN not in repr(config)
    assert ARG_TOKEN not in str(config)
    assert ARG_ENDPOINT in repr(config)


@pytest.mark.parametrize(
    ("args", "env_extra"),
    [
        ({"endpoint": "ftp://x"}, {}),
        ({"token_type": "Basic"}, {}),
        ({"max_retries": -3}, {}),
        ({}, {"DATAROBOT_SSL_VERIFY": "maybe"}),
        ({}, {"DATAROBOT_MAX_RETRIES": "many"}),
    ],
)
def test_token_is_not_in_any_configuration_error(
    home: Path, args: dict[str, object], env_extra: dict[str, str]
) -> None:
    kwargs: dict[str, object] = {"endpoint": ARG_ENDPOINT, "token": ARG_TOKEN, **args}
    with pytest.raises(ConfigurationError) as info:
        resolve_config(**kwargs, env=full_env(home, **env_extra))  # type: ignore[arg-type]
    assert ARG_TOKEN not in str(info.value)
    assert ARG_TOKEN not in repr(info.value)


def test_token_from_yaml_is_not_in_a_type_error_of_another_key(home: Path) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\ntoken: {FILE_TOKEN}\nmax_retries: yes\n")
    with pytest.raises(ConfigurationError) as info:
        resolve_config(env=full_env(home))
    assert FILE_TOKEN not in str(info.value)


@pytest.mark.parametrize("token_line", ["token: 98765432101234", "token: [s3cr3t-in-a-list]"])
def test_token_of_the_wrong_type_is_not_echoed(home: Path, token_line: str) -> None:
    write_default_yaml(home, f"endpoint: {FILE_ENDPOINT}\n{token_line}\n")
    with pytest.raises(ConfigurationError) as info:
        resolve_config(env=full_env(home))
    assert "98765432101234" not in str(info.value)
    assert "s3cr3t-in-a-list" not in str(info.value)


def test_malformed_yaml_message_does_not_quote_the_token(home: Path) -> None:
    write_default_yaml(home, f'endpoint: {FILE_ENDPOINT}\ntoken: "{FILE_TOKEN}\n  x: [\n')
    with pytest.raises(ConfigurationError) as info:
        resolve_config(env=full_env(home))
    assert FILE_TOKEN not in str(info.value)


def test_malformed_yaml_traceback_does_not_quote_the_token(home: Path) -> None:
    write_default_yaml(home, f'endpoint: {FILE_ENDPOINT}\ntoken: "{FILE_TOKEN}\n  x: [\n')
    with pytest.raises(ConfigurationError) as info:
        resolve_config(env=full_env(home))
    assert FILE_TOKEN not in "".join(traceback.format_exception(info.value))


def test_configuration_error_is_a_value_error(home: Path) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        resolve_config(env=full_env(home))


def test_an_endpoint_swapped_with_the_token_is_not_echoed(tmp_path) -> None:
    secret = "s3cr3t-token-in-the-endpoint-slot"
    with pytest.raises(ConfigurationError) as info:
        resolve_config(secret, "https://app.datarobot.com/api/v2", env={"HOME": str(tmp_path)})
    assert secret not in str(info.value)
    assert "not an http(s) URL" in str(info.value)


# --- values cleaned or refused before any request (issue 10, kind 6) ----------------------


@pytest.mark.parametrize("dirty", [f"{ARG_TOKEN}\n", f"  {ARG_TOKEN}\r\n", f"\t{ARG_TOKEN} "])
def test_whitespace_around_a_token_is_stripped_from_every_source(
    tmp_path: Path, home: Path, dirty: str
) -> None:
    assert resolve_config(ARG_ENDPOINT, dirty, env=full_env(home)).token == ARG_TOKEN
    env = full_env(home, DATAROBOT_ENDPOINT=ENV_ENDPOINT, DATAROBOT_API_TOKEN=dirty)
    assert resolve_config(env=env).token == ARG_TOKEN
    named = write_named_yaml(tmp_path, f"endpoint: {FILE_ENDPOINT}\ntoken: |\n  {ARG_TOKEN}\n")
    from_file = resolve_config(env=full_env(home, DATAROBOT_CONFIG_FILE=str(named)))
    assert from_file.token == ARG_TOKEN


@pytest.mark.parametrize("broken", [f"{ARG_TOKEN} {ARG_TOKEN}", f"{ARG_TOKEN}\nx", "   \n"])
def test_a_token_broken_inside_is_refused_without_echoing_it(home: Path, broken: str) -> None:
    with pytest.raises(ConfigurationError, match="token") as info:
        resolve_config(ARG_ENDPOINT, broken, env=full_env(home))
    assert ARG_TOKEN not in str(info.value)
    assert str(info.value).endswith(".")


def test_whitespace_around_an_endpoint_is_stripped(home: Path) -> None:
    assert resolve_config(f" {ARG_ENDPOINT}\n", ARG_TOKEN, env=full_env(home)).endpoint == (
        ARG_ENDPOINT
    )


@pytest.mark.parametrize(
    ("endpoint", "hint"),
    [
        ("https://app.datarobot.com", "https://app.datarobot.com/api/v2"),
        ("https://app.datarobot.com/", "https://app.datarobot.com/api/v2"),
        ("https://dr.corp.example/datarobot", "https://dr.corp.example/datarobot/api/v2"),
    ],
)
def test_an_endpoint_without_api_v2_gets_a_hint(home: Path, endpoint: str, hint: str) -> None:
    with pytest.raises(ConfigurationError, match="did you mean") as info:
        resolve_config(endpoint, ARG_TOKEN, env=full_env(home))
    assert hint in str(info.value)


def test_messages_read_as_sentences(home: Path) -> None:
    for call in (
        lambda: resolve_config(env=full_env(home)),
        lambda: resolve_config("https://x.test", ARG_TOKEN, env=full_env(home)),
        lambda: resolve_config("ftp://x.test/api/v2", ARG_TOKEN, env=full_env(home)),
        lambda: resolve_config(ARG_ENDPOINT, ARG_TOKEN, max_retries=-1, env=full_env(home)),
    ):
        with pytest.raises(ConfigurationError) as info:
            call()
        text = str(info.value)
        assert text[0].isupper() or text[0].isdigit() or text.startswith("max_"), text
        assert text.endswith((".", "?")), text
        assert "On the command line" not in text  # that is the CLI's to add


def test_a_ca_bundle_comes_from_the_environment_as_requests_reads_it(
    tmp_path: Path, home: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    other = tmp_path / "other.pem"
    other.write_text("x")
    env = full_env(home, REQUESTS_CA_BUNDLE=str(bundle), CURL_CA_BUNDLE=str(other))
    assert resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env).ssl_verify == str(bundle)
    env = full_env(home, CURL_CA_BUNDLE=str(other))
    assert resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env).ssl_verify == str(other)
    # an explicit choice wins, as in requests: verification off, or a bundle of its own
    env = full_env(home, REQUESTS_CA_BUNDLE=str(bundle))
    assert resolve_config(ARG_ENDPOINT, ARG_TOKEN, ssl_verify=False, env=env).ssl_verify is False
    own = resolve_config(ARG_ENDPOINT, ARG_TOKEN, ssl_verify=str(other), env=env)
    assert own.ssl_verify == str(other)


def test_a_missing_ca_bundle_is_a_configuration_error(tmp_path: Path, home: Path) -> None:
    env = full_env(home, REQUESTS_CA_BUNDLE=str(tmp_path / "nowhere.pem"))
    with pytest.raises(ConfigurationError, match="REQUESTS_CA_BUNDLE"):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, env=env)


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://user:pa55-s3cret@dr.test/api/v2",
        "https://:pa55-s3cret@dr.test/api/v2",
        "https://pa55-s3cret@dr.test/api/v2",
    ],
)
def test_an_endpoint_with_credentials_is_refused_before_any_request(
    home: Path, endpoint: str
) -> None:
    # aiohttp made an Authorization header of them and refused ours with a bare ValueError
    # at the first request; the password must not reach the message either.
    with pytest.raises(ConfigurationError, match="user name or password") as info:
        resolve_config(endpoint, ARG_TOKEN, env=full_env(home))
    assert "pa55-s3cret" not in str(info.value)
    assert f"{endpoint.split(':', 1)[0]}://dr.test/api/v2." in str(info.value)
    with pytest.raises(ConfigurationError) as info:
        AsyncDeploymentClient(endpoint, ARG_TOKEN)  # refused when made: nothing is sent
    assert "pa55-s3cret" not in str(info.value)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://dr.test/api/v2?key=qu3ry-s3cret",
        "https://dr.test/api/v2/?key=qu3ry-s3cret",
        "https://dr.test/api/v2#qu3ry-s3cret",
        "https://dr.test/api/v2?",
    ],
)
def test_an_endpoint_with_a_query_or_fragment_is_refused(home: Path, endpoint: str) -> None:
    # the API paths were appended after the query: https://dr.test/api/v2?key=x/deployments/
    with pytest.raises(ConfigurationError, match="query") as info:
        resolve_config(endpoint, ARG_TOKEN, env=full_env(home))
    assert "qu3ry-s3cret" not in str(info.value)
    assert str(info.value).endswith("https://dr.test/api/v2.")


def test_an_endpoint_with_a_port_that_is_no_number_is_refused(home: Path) -> None:
    with pytest.raises(ConfigurationError, match="not an http"):
        resolve_config("https://dr.test:44x3/api/v2", ARG_TOKEN, env=full_env(home))


@pytest.mark.parametrize(
    "dirty", [f"\ufeff{ARG_TOKEN}", f"\ufeff{ARG_TOKEN}\r\n", f" \ufeff{ARG_TOKEN}"]
)
def test_a_byte_order_mark_before_a_token_is_stripped_from_every_source(
    tmp_path: Path, home: Path, dirty: str
) -> None:
    # A token file saved as "UTF-8 with BOM" starts with U+FEFF; it was refused as holding
    # "whitespace or control characters inside it".
    assert resolve_config(ARG_ENDPOINT, dirty, env=full_env(home)).token == ARG_TOKEN
    env = full_env(home, DATAROBOT_ENDPOINT=ENV_ENDPOINT, DATAROBOT_API_TOKEN=dirty)
    assert resolve_config(env=env).token == ARG_TOKEN
    named = tmp_path / "bom.yaml"
    named.write_text(f"endpoint: {FILE_ENDPOINT}\ntoken: '{dirty.strip()}'\n", encoding="utf-8")
    from_file = resolve_config(env=full_env(home, DATAROBOT_CONFIG_FILE=str(named)))
    assert from_file.token == ARG_TOKEN


def test_a_byte_order_mark_before_an_endpoint_is_stripped(home: Path) -> None:
    config = resolve_config(f"\ufeff{ARG_ENDPOINT}\n", ARG_TOKEN, env=full_env(home))
    assert config.endpoint == ARG_ENDPOINT


def test_a_byte_order_mark_inside_a_token_is_named_without_echoing_it(home: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"byte-order mark \(U\+FEFF\)") as info:
        resolve_config(ARG_ENDPOINT, f"{ARG_TOKEN}\ufeff{ARG_TOKEN}", env=full_env(home))
    assert ARG_TOKEN not in str(info.value)
    assert "whitespace" not in str(info.value)


def test_a_missing_ca_bundle_is_named_as_the_user_gave_it(tmp_path: Path, home: Path) -> None:
    # Given as the client's ssl=, it was reported under the name "ssl_verify".
    missing = str(tmp_path / "nowhere.pem")
    with pytest.raises(ConfigurationError, match="named by the ssl argument"):
        resolve_config(ARG_ENDPOINT, ARG_TOKEN, ssl_verify=missing, ssl_argument="ssl")
    with pytest.raises(ConfigurationError, match="named by the ssl argument") as info:
        AsyncDeploymentClient(ARG_ENDPOINT, ARG_TOKEN, ssl=missing)
    assert "ssl_verify" not in str(info.value)
    drconfig = write_default_yaml(
        home, f"endpoint: {FILE_ENDPOINT}\ntoken: t\nssl_verify: {missing}\n"
    )
    with pytest.raises(ConfigurationError) as info:
        resolve_config(env=full_env(home))
    assert f"named by ssl_verify in {drconfig}" in str(info.value)

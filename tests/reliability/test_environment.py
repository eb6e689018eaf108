"""The network environment and the event loops are the user's (issue 10, kinds 3, 4, 9).

Proxies and CA bundles are read as ``requests`` (and so the official client) reads them; a
client works from one ``asyncio.run`` to the next; a server that never answers is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import shutil
import subprocess
import threading
import warnings
from collections.abc import AsyncIterator

import pytest
import trustme
from aiohttp import web

import aiodeploy
from aiodeploy import AsyncDeploymentClient

from .fakeserver import FakeServer, Reply, fake_server

DEP = "a" * 24
BODY = b'{"id": "%s", "label": "ok"}' % DEP.encode()
HIDDEN = "datarobot.corp.invalid"  # a name only the proxy can reach


@pytest.fixture
def no_network_env(monkeypatch, tmp_path) -> None:
    for name in (
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
        "no_proxy", "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
        "SSL_CERT_DIR", "DATAROBOT_SSL_VERIFY", "DATAROBOT_CONFIG_FILE", "NETRC",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no drconfig.yaml, no .netrc


@pytest.fixture
async def proxy() -> AsyncIterator[FakeServer]:
    """A forward proxy that answers every request itself, as DataRobot would."""
    async with fake_server() as server:
        server.serve(Reply(200, body=BODY))
        yield server


def _via_proxy(server: FakeServer) -> list[str]:
    # a request through an HTTP proxy names the absolute URL it wants
    return [seen.path_qs for seen in server.seen]


async def test_the_proxy_comes_from_the_environment(no_network_env, monkeypatch, proxy) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    async with AsyncDeploymentClient(f"http://{HIDDEN}/api/v2", "t", max_retries=0) as client:
        assert (await client.get_deployment(DEP)).label == "ok"
    assert len(proxy.seen) == 1
    assert proxy.seen[0].headers["Host"] == HIDDEN


async def test_no_proxy_sends_the_endpoint_direct(no_network_env, monkeypatch, proxy) -> None:
    async with fake_server() as direct:
        direct.serve(Reply(200, body=BODY))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        async with AsyncDeploymentClient(direct.endpoint, "t", max_retries=0) as client:
            await client.get_deployment(DEP)
        assert (len(direct.seen), len(proxy.seen)) == (1, 0)


async def test_an_explicit_proxy_wins_and_its_credentials_stay_secret(
    no_network_env, monkeypatch, proxy
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    port = proxy.url.rsplit(":", 1)[1]
    with_secret = f"http://user:pr0xy-s3cret@127.0.0.1:{port}"
    async with AsyncDeploymentClient(
        f"http://{HIDDEN}/api/v2", "t", max_retries=0, proxy=with_secret
    ) as client:
        assert (await client.get_deployment(DEP)).label == "ok"
        assert "pr0xy-s3cret" not in repr(client) + repr(client._session)
    assert proxy.seen[0].headers["Proxy-Authorization"].startswith("Basic ")


async def test_no_proxy_as_a_cidr_block_is_honoured_as_requests_does(
    no_network_env, monkeypatch, proxy
) -> None:
    # requests bypasses the proxy for a host inside a NO_PROXY block; every request went to
    # the proxy (the standard library's matcher knows names only).
    async with fake_server() as direct:
        direct.serve(Reply(200, body=BODY))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "10.0.0.0/8, 127.0.0.0/8")
        async with AsyncDeploymentClient(direct.endpoint, "t", max_retries=0) as client:
            await client.get_deployment(DEP)
        assert (len(direct.seen), len(proxy.seen)) == (1, 0)


@pytest.mark.parametrize(("entry", "direct_count"), [("{port}", 1), ("1", 0)])
async def test_no_proxy_with_a_port_counts_for_that_port_only(
    no_network_env, monkeypatch, proxy, entry, direct_count
) -> None:
    async with fake_server() as direct:
        direct.serve(Reply(200, body=BODY))
        port = direct.url.rsplit(":", 1)[1]
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("no_proxy", f"127.0.0.1:{entry.format(port=port)}")
        async with AsyncDeploymentClient(direct.endpoint, "t", max_retries=0) as client:
            await client.get_deployment(DEP)
        assert (len(direct.seen), len(proxy.seen)) == (direct_count, 1 - direct_count)


@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy"])
async def test_all_proxy_is_the_proxy_of_every_scheme(
    no_network_env, monkeypatch, proxy, variable
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    async with AsyncDeploymentClient(f"http://{HIDDEN}/api/v2", "t", max_retries=0) as client:
        assert (await client.get_deployment(DEP)).label == "ok"
    assert proxy.seen[0].headers["Host"] == HIDDEN


async def test_a_proxy_without_a_scheme_is_an_http_proxy_as_in_requests(
    no_network_env, monkeypatch, proxy
) -> None:
    # HTTP_PROXY=127.0.0.1:3128: every request failed with a TransportError.
    monkeypatch.setenv("HTTP_PROXY", proxy.url.removeprefix("http://"))
    async with AsyncDeploymentClient(f"http://{HIDDEN}/api/v2", "t", max_retries=0) as client:
        assert (await client.get_deployment(DEP)).label == "ok"
    assert len(proxy.seen) == 1


@pytest.mark.parametrize("where", ["netrc", "url"])
async def test_proxy_credentials_from_the_environment_are_sent(
    no_network_env, monkeypatch, tmp_path, proxy, where
) -> None:
    # From the URL they came as aiohttp's proxy_auth argument, deprecated (a warning).
    host_port = proxy.url.removeprefix("http://")
    if where == "netrc":
        (tmp_path / ".netrc").write_text("machine 127.0.0.1 login ops password pr0xy-s3cret\n")
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
    else:
        monkeypatch.setenv("HTTP_PROXY", f"http://ops:pr0xy-s3cret@{host_port}")
    async with AsyncDeploymentClient(f"http://{HIDDEN}/api/v2", "t", max_retries=0) as client:
        assert (await client.get_deployment(DEP)).label == "ok"
        assert "pr0xy-s3cret" not in repr(client) + repr(client._session)
    expected = "Basic " + base64.b64encode(b"ops:pr0xy-s3cret").decode()
    assert proxy.seen[0].headers["Proxy-Authorization"] == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HTTPS_PROXY", "socks5://ops:pr0xy-s3cret@127.0.0.1:1080"),
        ("https_proxy", "http://ops:pr0xy-s3cret@127.0.0.1:port"),
        ("ALL_PROXY", "http://"),
        ("proxy", "socks5h://ops:pr0xy-s3cret@127.0.0.1:1080"),
    ],
)
def test_a_proxy_this_client_cannot_use_is_refused_when_the_client_is_made(
    no_network_env, monkeypatch, variable, value
) -> None:
    kwargs = {}
    if variable == "proxy":
        kwargs["proxy"] = value
    else:
        monkeypatch.setenv(variable, value)
    with pytest.raises(aiodeploy.ConfigurationError) as info:
        AsyncDeploymentClient("https://dr.test/api/v2", "t", **kwargs)
    message = str(info.value)
    assert ("the proxy argument" if variable == "proxy" else variable) in message
    assert "pr0xy-s3cret" not in message


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_server(authority) -> AsyncIterator[FakeServer]:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server = FakeServer()
    server.serve(Reply(200, body=BODY))
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    server.url = f"https://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
async def test_a_ca_bundle_from_the_environment_is_trusted(
    no_network_env, monkeypatch, tmp_path, authority, tls_server, variable
) -> None:
    bundle = tmp_path / "company-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    async with AsyncDeploymentClient(tls_server.endpoint, "t", max_retries=0) as client:
        with pytest.raises(aiodeploy.TransportError, match=r"(?i)certificate"):
            await client.get_deployment(DEP)
    monkeypatch.setenv(variable, str(bundle))
    async with AsyncDeploymentClient(tls_server.endpoint, "t", max_retries=0) as client:
        assert (await client.get_deployment(DEP)).label == "ok"


async def test_a_server_that_never_answers_is_bounded_by_the_timeout(no_network_env) -> None:
    writers: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)  # read the request, never answer
        await reader.read(-1)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AsyncDeploymentClient(
            f"http://127.0.0.1:{port}/api/v2", "t", max_retries=0, timeout=0.3
        ) as client:
            with pytest.raises(aiodeploy.APITimeoutError):
                await client.get_deployment(DEP)
        assert len(writers) == 1  # it did connect: the server just never answered
    finally:
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()


# -- event loops ----------------------------------------------------------------------------


def _get(client: AsyncDeploymentClient, dep_id: str) -> str:
    async def one() -> str:
        return (await client.get_deployment(dep_id)).id

    return asyncio.run(one())


def _unclosed(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_client_works_from_one_asyncio_run_to_the_next(threaded_emulator) -> None:
    server = threaded_emulator(deployments=2)
    dep_id = server.call(lambda: server.emulator.state.live_deployments()[0].id)
    gc.collect()  # what earlier tests left is not this test's to judge
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = AsyncDeploymentClient(server.emulator.endpoint, server.emulator.token)
        assert [_get(client, dep_id) for _ in range(3)] == [dep_id] * 3
        del client
        gc.collect()
    assert _unclosed(caught) == []


def test_a_loop_closed_by_hand_leaves_no_session_behind(threaded_emulator) -> None:
    server = threaded_emulator(deployments=2)
    dep_id = server.call(lambda: server.emulator.state.live_deployments()[0].id)
    client = AsyncDeploymentClient(server.emulator.endpoint, server.emulator.token)
    loop = asyncio.new_event_loop()
    # an old-style sync wrapper: run the coroutine, close the loop, no async-generator shutdown
    assert loop.run_until_complete(client.get_deployment(dep_id)).id == dep_id
    loop.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _get(client, dep_id) == dep_id
        gc.collect()
    assert not [m for m in _unclosed(caught) if "client session" in m or "connector" in m]


def test_a_loop_still_running_elsewhere_gives_a_typed_error(threaded_emulator) -> None:
    server = threaded_emulator(deployments=2)
    dep_id = server.call(lambda: server.emulator.state.live_deployments()[0].id)
    client = AsyncDeploymentClient(server.emulator.endpoint, server.emulator.token)
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:
        used = asyncio.run_coroutine_threadsafe(client.get_deployment(dep_id), other)
        assert used.result(timeout=30).id == dep_id
        with pytest.raises(aiodeploy.EventLoopError, match="one event loop") as info:
            _get(client, dep_id)
        assert isinstance(info.value, RuntimeError)
        asyncio.run_coroutine_threadsafe(client.aclose(), other).result(timeout=30)
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(timeout=30)
        other.close()


# -- CA bundles: a directory, and a file that is not one --------------------------------------


def _hashed_directory(authority: trustme.CA, folder) -> str:
    """A directory of CA certificates as ``openssl rehash`` leaves it (``<hash>.0``)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to hash a certificate's subject")
    pem = folder / "company-ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    command = ["openssl", "x509", "-hash", "-noout", "-in", str(pem)]
    subject_hash = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    pem.rename(folder / f"{subject_hash.stdout.strip()}.0")
    return str(folder)


async def test_a_ca_bundle_directory_is_honoured_as_requests_does(
    no_network_env, monkeypatch, tmp_path
) -> None:
    # requests takes REQUESTS_CA_BUNDLE naming a directory (ca_cert_dir); this ended in a
    # bare IsADirectoryError at the first request, even for an http:// endpoint.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path))
    async with fake_server() as server:
        server.serve(Reply(200, body=BODY))
        async with AsyncDeploymentClient(server.endpoint, "t", max_retries=0) as client:
            assert (await client.get_deployment(DEP)).label == "ok"


@pytest.mark.parametrize("given_as", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "ssl"])
async def test_a_ca_directory_verifies_tls_against_its_certificates(
    no_network_env, monkeypatch, tmp_path_factory, authority, tls_server, given_as
) -> None:
    folder = _hashed_directory(authority, tmp_path_factory.mktemp("ca-dir"))
    kwargs = {}
    if given_as == "ssl":
        kwargs["ssl"] = folder
    else:
        monkeypatch.setenv(given_as, folder)
    async with AsyncDeploymentClient(tls_server.endpoint, "t", max_retries=0, **kwargs) as client:
        assert (await client.get_deployment(DEP)).label == "ok"
    empty = str(tmp_path_factory.mktemp("empty-ca-dir"))  # trusts nothing, not the system
    async with AsyncDeploymentClient(tls_server.endpoint, "t", max_retries=0, ssl=empty) as client:
        with pytest.raises(aiodeploy.TransportError, match=r"(?i)certificate"):
            await client.get_deployment(DEP)


@pytest.mark.parametrize("given_as", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "drconfig", "ssl"])
async def test_a_ca_bundle_that_is_not_a_certificate_is_named_before_any_request(
    no_network_env, monkeypatch, tmp_path, given_as
) -> None:
    # It was a bare ssl.SSLError at the first request (the bundle was loaded only then).
    bundle = tmp_path / "not-a-ca.pem"
    bundle.write_text("this is not a certificate\n")
    kwargs = {}
    if given_as == "ssl":
        kwargs["ssl"] = str(bundle)
        source = "the ssl argument"
    elif given_as == "drconfig":
        drconfig = tmp_path / ".config" / "datarobot" / "drconfig.yaml"
        drconfig.parent.mkdir(parents=True)
        drconfig.write_text(f"ssl_verify: {bundle}\n")
        source = f"ssl_verify in {drconfig}"
    else:
        monkeypatch.setenv(given_as, str(bundle))
        source = given_as
    async with fake_server() as server:
        with pytest.raises(aiodeploy.ConfigurationError) as info:
            AsyncDeploymentClient(server.endpoint, "t", **kwargs)
        assert server.seen == []
    message = str(info.value)
    assert f"{str(bundle)!r} named by {source} is not a PEM file" in message
    assert message.endswith(".")

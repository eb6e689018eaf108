"""R4: the API token stays secret.

* It never appears in DEBUG logs (every logger), reprs, exception strings (pickled too),
  journal files, operation tokens, or the CLI's output.
* ``Authorization`` is never sent to another origin: Location, next and redirect targets
  on a second local server get nothing, nor does an http target of an https endpoint.
* TLS is verified by default; ``ssl=False`` (or ``DATAROBOT_SSL_VERIFY=false``) turns it
  off, and a CA bundle path makes a private certificate acceptable.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import pickle
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from yarl import URL

import aiodeploy
from aiodeploy import AsyncDeploymentClient, CrossOriginError
from aiodeploy.cli import main
from aiodeploy.emulator import Emulator

from .conftest import plan_for, wait_for
from .fakeserver import FakeServer, Reply, fake_server

TOKEN = "tok-SECRET-4e1d9a7c"
DEP_ID = "5c6f7a9e9ca9b20017ff95a2"
MODEL_ID = "5cb9c8b979872d014a0bb081"
_ROOT = Path(aiodeploy.__file__).resolve().parents[1]


def leaks(texts: list[str]) -> list[str]:
    return [text[:200] for text in texts if TOKEN in text]


def error_texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), repr(vars(error))]
    texts.append(str(pickle.loads(pickle.dumps(error))))
    if error.__cause__ is not None:
        texts += [str(error.__cause__), repr(error.__cause__)]
    return texts


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: aiodeploy, aiohttp, asyncio, emulator
    return caplog


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    return texts


# -- logs, reprs, errors, journals --------------------------------------------------------


async def test_no_token_in_logs_reprs_errors_or_journal(debug_logs, tmp_path, figures) -> None:
    faults = "503=0.2,429=0.1,retry_after=0,reset=0.05,reset_after=0.1,job_error=0.2"
    async with Emulator(
        token=TOKEN, deployments=30, replacement_seconds=0.05, faults=faults, seed=11
    ) as emu:
        plan = plan_for(emu)
        journal = tmp_path / "rollout.jsonl"
        texts: list[str] = []
        errors: list[BaseException] = []
        async with AsyncDeploymentClient(emu.endpoint, TOKEN) as client:
            texts += [repr(client), repr(client._session.transport), repr(client.budget)]
            result = await client.replace_models(plan, journal=journal, concurrency=8)
            texts += [repr(result), repr(result.items), repr(result.counts)]
            errors += [item.error for item in result.items if item.error is not None]
            emu.set_faults(None)
            dep, model = (
                plan[0].deployment_id,
                emu.state.replacement_candidates(plan[0].deployment_id).warning[0].id,
            )
            op = await client.start_model_replacement(dep, model, "ACCURACY")
            texts += [repr(op), op.token(), repr(await op)]
            for call in (
                client.get_deployment("0" * 24),  # 404
                client.replace_model(dep, emu.state.replacement_candidates(dep).failing[0].id),
                client.wait_for_job("https://evil.example/api/v2/status/1/"),
            ):
                with pytest.raises(aiodeploy.AiodeployError) as info:
                    await call
                errors.append(info.value)
        async with AsyncDeploymentClient(emu.endpoint, TOKEN + "-wrong") as stranger:
            with pytest.raises(aiodeploy.AuthenticationError) as info:
                await stranger.list_deployments()
            errors.append(info.value)
        async with AsyncDeploymentClient("http://127.0.0.1:9/api/v2", TOKEN) as nowhere:
            with pytest.raises(aiodeploy.TransportError) as info:
                await nowhere.get_deployment(DEP_ID)
            errors.append(info.value)
    for error in errors:
        texts += error_texts(error)
    texts += log_texts(debug_logs)
    texts.append(journal.read_bytes().decode())
    assert len(errors) > 5
    assert debug_logs.records, "nothing was logged at DEBUG"
    assert any("retrying" in r.getMessage() for r in debug_logs.records)
    assert not leaks(texts)
    figures.update(
        texts_scanned=len(texts),
        log_records=len(debug_logs.records),
        errors=len(errors),
        characters=sum(map(len, texts)),
        leaks=0,
    )


def test_no_token_in_configuration_errors(tmp_path, monkeypatch) -> None:
    """drconfig.yaml mistakes are reported without quoting the token."""
    for name in ("DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_SSL_VERIFY"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "drconfig.yaml"
    monkeypatch.setenv("DATAROBOT_CONFIG_FILE", str(config))
    for text in (
        f"endpoint: https://x/api/v2\ntoken: {TOKEN}\n  bad: [indent\n",  # not YAML
        f"endpoint: https://x/api/v2\ntoken: [{TOKEN}]\n",  # not a string
        f"endpoint: https://x/api/v2\ntoken: {TOKEN}\nmax_retries: many\n",
        f"endpoint: https://x/api/v2\ntoken: {TOKEN}\ntoken_type: Basic\n",
        f"endpoint: https://x/api/v2\ntoken: {TOKEN}\nssl_verify: 3\n",
        f"endpoint: ftp://x/api/v2\ntoken: {TOKEN}\n",
        f"token: {TOKEN}\n",  # no endpoint
    ):
        config.write_text(text)
        with pytest.raises(aiodeploy.ConfigurationError) as info:
            AsyncDeploymentClient()
        assert not leaks(error_texts(info.value)), text


async def _cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(list(argv))

    code = await anyio.to_thread.run_sync(run)
    return code, out.getvalue() + err.getvalue()


async def test_no_token_in_cli_output(tmp_path, monkeypatch, debug_logs, figures) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    async with Emulator(token=TOKEN, deployments=6, replacement_seconds=0.05) as emu:
        plan = plan_for(emu)
        dep, model = plan[0].deployment_id, plan[0].model_id
        bad_model = emu.state.replacement_candidates(dep).failing[0].id
        plan_file = tmp_path / "plan.csv"
        plan_file.write_text(
            "deployment_id,model_id,reason\n"
            + "".join(f"{r.deployment_id},{r.model_id},OTHER\n" for r in plan[1:])
            + f"{dep},{bad_model},OTHER\n"
        )
        connect = ["--endpoint", emu.endpoint, "--token", TOKEN]
        outputs: list[str] = []
        codes = []
        for argv in (
            ["deployments", "list"],
            ["deployments", "list", "--json"],
            ["deployments", "get", dep, "--json"],
            ["deployments", "get", "0" * 24],
            ["validate", dep, bad_model],
            ["replace", dep, model, "--reason", "ACCURACY", "--json"],
            ["drift", "get", dep],
            ["drift", "set", dep, "--target", "off", "--json"],
            ["rollout", str(plan_file), "--journal", str(tmp_path / "j.jsonl")],
            ["rollout", str(plan_file), "--journal", str(tmp_path / "j.jsonl"), "--json"],
            ["rollout", str(plan_file), "--dry-run", "--json"],
            ["deployments", "delete", plan[1].deployment_id],  # no --yes, no terminal
        ):
            code, text = await _cli(*argv, *connect)
            codes.append(code)
            outputs.append(text)
        code, text = await _cli("deployments", "list", "--endpoint", emu.endpoint, "--token", "x")
        outputs.append(text)  # a wrong token: 401
        monkeypatch.setenv("DATAROBOT_API_TOKEN", TOKEN)
        code, text = await _cli("deployments", "list")  # no endpoint configured
        outputs.append(text)
        outputs.append((tmp_path / "j.jsonl").read_text())
    assert codes[:3] == [0, 0, 0]
    assert 1 in codes  # failures and usage errors were printed too
    assert 2 in codes
    assert not leaks(outputs + log_texts(debug_logs))
    figures.update(cli_runs=len(outputs) - 1, characters=sum(map(len, outputs)), leaks=0)


async def test_no_token_in_a_cli_process_stopped_midway(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), env.get("PYTHONPATH", "")])
    env["HOME"] = str(tmp_path)
    async with Emulator(token=TOKEN, deployments=20, replacement_seconds=(0.5, 1.0)) as emu:
        plan_file = tmp_path / "plan.csv"
        plan_file.write_text(
            "deployment_id,model_id,reason\n"
            + "".join(f"{r.deployment_id},{r.model_id},OTHER\n" for r in plan_for(emu))
        )
        journal = tmp_path / "j.jsonl"
        command = [
            sys.executable, "-m", "aiodeploy", "rollout", str(plan_file),
            "--endpoint", emu.endpoint, f"--token={TOKEN}", "--journal", str(journal),
        ]  # fmt: skip
        async with await anyio.open_process(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as process:

            def submitted() -> bool:
                return journal.exists() and b'"submitted"' in journal.read_bytes()

            await wait_for(submitted, "a submitted item in the journal")
            process.send_signal(signal.SIGTERM)
            chunks: dict[str, bytes] = {}

            async def collect(name: str, stream) -> None:
                chunks[name] = b"".join([chunk async for chunk in stream])

            async with anyio.create_task_group() as tg:
                tg.start_soon(collect, "out", process.stdout)
                tg.start_soon(collect, "err", process.stderr)
            assert await process.wait() == 128 + signal.SIGTERM
        done = await anyio.run_process(
            command, env=env, check=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    texts = [chunks["out"].decode(), chunks["err"].decode(), done.stdout.decode()]
    texts += [done.stderr.decode(), journal.read_text()]
    assert "Resume with" in texts[1]
    assert done.returncode == 0, texts[-2]
    assert not leaks(texts)


# -- Authorization stays on the endpoint's origin -------------------------------------------


@pytest.fixture
async def servers() -> AsyncIterator[tuple[FakeServer, FakeServer]]:
    """The endpoint's server, and a second one on another port that must hear nothing."""
    async with fake_server() as home, fake_server() as elsewhere:
        yield home, elsewhere


def _client(home: FakeServer, clock) -> AsyncDeploymentClient:
    return AsyncDeploymentClient(home.endpoint, TOKEN, sleep=clock.sleep, clock=clock)


def _dep_body(model_id: str = MODEL_ID) -> bytes:
    return json.dumps({"id": DEP_ID, "model": {"id": model_id}}).encode()


@pytest.mark.parametrize(
    "target",
    [
        "{other}/api/v2/status/1/",
        "{other_host}/api/v2/status/1/",  # localhost: the same machine, another origin
        "//127.0.0.1:{other_port}/api/v2/status/1/",  # scheme-relative
        "http://user@127.0.0.1:{other_port}/api/v2/status/1/",
    ],
)
async def test_a_status_location_elsewhere_gets_nothing(servers, clock, target) -> None:
    home, other = servers
    url = target.format(
        other=other.url,
        other_port=URL(other.url).port,
        other_host=home.url.replace("127.0.0.1", "localhost"),
    )
    history = {"count": 1, "next": None, "previous": None, "data": [{"modelId": MODEL_ID}]}

    def answer(request) -> Reply:
        if request.method == "PATCH":
            return Reply(202, {"location": url}, b"{}")
        if request.path.endswith("/modelHistory/"):
            return Reply(200, body=json.dumps(history).encode())
        return Reply(200, body=_dep_body())

    home.route = answer
    async with _client(home, clock) as client:
        # never followed; the endpoint's own records tell that the replacement is done
        deployment = await client.replace_model(DEP_ID, MODEL_ID, "ACCURACY")
    assert deployment.model.id == MODEL_ID
    assert other.seen == []
    assert all(seen.headers.get("Host", "").startswith("127.0.0.1") for seen in home.seen)


async def test_a_next_link_elsewhere_gets_nothing(servers, clock) -> None:
    home, other = servers
    page = {
        "count": 1,
        "next": f"{other.url}/api/v2/deployments/?offset=1&limit=100",
        "previous": None,
        "data": [{"id": DEP_ID}],
    }
    home.serve(Reply(200, body=json.dumps(page).encode()))
    async with _client(home, clock) as client:
        with pytest.raises(CrossOriginError):
            await client.list_deployments()
        with pytest.raises(CrossOriginError):
            [d async for d in client.iter_deployments()]
        history = {**page, "next": f"{other.url}/api/v2/x/", "data": [{"modelId": MODEL_ID}]}
        home.serve(Reply(200, body=json.dumps(history).encode()))
        with pytest.raises(CrossOriginError):
            await client.get_model_history(DEP_ID)
    assert other.seen == []


async def test_a_finished_job_pointing_elsewhere_is_not_followed(servers, clock) -> None:
    """The 303 of a finished job names the resource; the client reads it on its own
    endpoint, by id, and never at the URL the server gave."""
    home, other = servers
    home.serve(
        Reply(202, {"location": f"{home.url}/api/v2/status/1/"}, b"{}"),
        Reply(303, {"location": f"{other.url}/api/v2/deployments/{DEP_ID}/"}),
        Reply(200, body=_dep_body()),
    )
    async with _client(home, clock) as client:
        dep = await client.replace_model(DEP_ID, MODEL_ID, "ACCURACY")
    assert dep.model is not None
    assert dep.model.id == MODEL_ID
    assert other.seen == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_never_followed(servers, clock, status) -> None:
    home, other = servers
    home.serve(Reply(status, {"location": f"{other.url}/api/v2/deployments/{DEP_ID}/"}, b"{}"))
    async with _client(home, clock) as client:
        with pytest.raises(aiodeploy.AiodeployError):
            await client.get_deployment(DEP_ID)
    assert other.seen == []


async def test_a_resumed_token_pointing_elsewhere_is_refused(servers, clock) -> None:
    home, other = servers
    token = json.dumps(
        {
            "v": 1,
            "deployment_id": DEP_ID,
            "model_id": MODEL_ID,
            "reason": "OTHER",
            "status_url": f"{other.url}/api/v2/status/1/",
            "submitted_at": "2025-01-01T00:00:00Z",
        }
    )
    async with _client(home, clock) as client:
        with pytest.raises(CrossOriginError):
            client.resume_replacement(token)
    assert other.seen == []
    assert home.seen == []


async def test_the_endpoint_itself_gets_the_token(servers, clock) -> None:
    home, _ = servers
    home.serve(Reply(200, body=_dep_body()))
    async with _client(home, clock) as client:
        await client.get_deployment(DEP_ID)
    assert home.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


SAME_PORT = "https://dr.test:8443/api/v2"
PLAIN = "http://dr.test:8443/api/v2"  # the same host and port: only the scheme differs


async def test_an_https_endpoint_never_follows_an_http_status_location(mock_api, clock):
    """Plain http on the same host and port is another origin: nothing is sent there (the
    token would cross the network in clear text); the endpoint's records settle the job."""
    dep_url = f"{SAME_PORT}/deployments/{DEP_ID}/"
    mock_api.patch(f"{dep_url}model/", status=202, headers={"Location": f"{PLAIN}/status/1/"})
    history = {"count": 1, "next": None, "previous": None, "data": [{"modelId": MODEL_ID}]}
    mock_api.get(f"{dep_url}modelHistory/?limit=100", payload=history)
    mock_api.get(dep_url, payload={"id": DEP_ID, "model": {"id": MODEL_ID}})
    async with AsyncDeploymentClient(SAME_PORT, TOKEN, sleep=clock.sleep, clock=clock) as client:
        assert (await client.replace_model(DEP_ID, MODEL_ID)).model.id == MODEL_ID
        with pytest.raises(CrossOriginError):
            await client.wait_for_job(f"{PLAIN}/status/1/")
    assert {(url.scheme, url.port) for _, url in mock_api.requests} == {("https", 8443)}


async def test_an_https_endpoint_never_follows_an_http_next_link(mock_api, clock):
    page = {"count": 1, "next": f"{PLAIN}/deployments/?offset=1", "data": [{"id": DEP_ID}]}
    mock_api.get(f"{SAME_PORT}/deployments/?limit=100", payload=page)
    async with AsyncDeploymentClient(SAME_PORT, TOKEN, sleep=clock.sleep, clock=clock) as client:
        with pytest.raises(CrossOriginError):
            await client.list_deployments()
    assert {(url.scheme, url.port) for _, url in mock_api.requests} == {("https", 8443)}


# -- TLS ------------------------------------------------------------------------------------


def test_tls_is_verified_by_default(monkeypatch) -> None:
    monkeypatch.delenv("DATAROBOT_SSL_VERIFY", raising=False)
    monkeypatch.delenv("DATAROBOT_CONFIG_FILE", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")
    default = AsyncDeploymentClient("https://dr.test/api/v2", TOKEN)
    verified = default._session.transport._ssl_argument()
    assert isinstance(verified, ssl.SSLContext)
    assert verified.verify_mode == ssl.CERT_REQUIRED
    assert verified.check_hostname
    off = AsyncDeploymentClient("https://dr.test/api/v2", TOKEN, ssl=False)
    assert off._session.transport._ssl_argument() is False
    monkeypatch.setenv("DATAROBOT_SSL_VERIFY", "maybe")  # a typo must not turn it off
    with pytest.raises(aiodeploy.ConfigurationError):
        AsyncDeploymentClient("https://dr.test/api/v2", TOKEN)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (needs the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (fixed arguments)
    return cert, key


@pytest.fixture
async def tls_server(certificate) -> AsyncIterator[FakeServer]:
    from aiohttp import web

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = FakeServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"https://127.0.0.1:{port}"
    server.serve(Reply(200, body=_dep_body()))
    try:
        yield server
    finally:
        await runner.cleanup()


async def test_a_self_signed_certificate_is_refused_by_default(
    tls_server, certificate, clock, monkeypatch
) -> None:
    monkeypatch.delenv("DATAROBOT_SSL_VERIFY", raising=False)
    monkeypatch.delenv("DATAROBOT_CONFIG_FILE", raising=False)
    async with AsyncDeploymentClient(
        tls_server.endpoint, TOKEN, sleep=clock.sleep, clock=clock
    ) as client:
        with pytest.raises(aiodeploy.TransportError, match=r"(?i)certificate"):
            await client.get_deployment(DEP_ID)
    assert tls_server.seen == []  # the handshake failed: no request, no token
    cert, _ = certificate
    for options in ({"ssl": False}, {"ssl": str(cert)}):
        async with AsyncDeploymentClient(
            tls_server.endpoint, TOKEN, sleep=clock.sleep, clock=clock, **options
        ) as client:
            assert (await client.get_deployment(DEP_ID)).id == DEP_ID
    monkeypatch.setenv("DATAROBOT_SSL_VERIFY", "false")
    async with AsyncDeploymentClient(
        tls_server.endpoint, TOKEN, sleep=clock.sleep, clock=clock
    ) as client:
        assert (await client.get_deployment(DEP_ID)).id == DEP_ID
    assert len(tls_server.seen) == 3

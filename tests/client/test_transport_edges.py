"""Transport edge cases a real server rarely produces: retries, redirects, bad bodies, secrets."""

from __future__ import annotations

import asyncio
import logging
import pickle

import aiohttp
import pytest
from yarl import URL

import aiodeploy
from aiodeploy import RetryPolicy
from aiodeploy._transport import Transport, origin
from tests.conftest import ENDPOINT, TOKEN

from . import samples
from .samples import DEP_ID, NEW_MODEL_ID

DEP_URL = f"{ENDPOINT}/deployments/{DEP_ID}/"
STATUS_URL = f"{ENDPOINT}/status/{samples.STATUS_ID}/"


def count(mock_api, method: str, url: str) -> int:
    return len(mock_api.requests.get((method, URL(url)), []))


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_get_is_retried_on_transient_statuses(mock_api, client, clock, status) -> None:
    mock_api.get(DEP_URL, status=status, payload={"message": "busy"})
    mock_api.get(DEP_URL, status=status, payload={"message": "busy"})
    mock_api.get(DEP_URL, payload=samples.deployment())
    dep = await client.get_deployment(DEP_ID)
    assert dep.id == DEP_ID
    assert count(mock_api, "GET", DEP_URL) == 3
    assert len(clock.sleeps) == 2


async def test_get_is_retried_on_connection_errors(mock_api, client) -> None:
    mock_api.get(DEP_URL, exception=aiohttp.ServerDisconnectedError())
    mock_api.get(DEP_URL, exception=asyncio.TimeoutError())
    mock_api.get(DEP_URL, payload=samples.deployment())
    assert (await client.get_deployment(DEP_ID)).id == DEP_ID
    assert count(mock_api, "GET", DEP_URL) == 3


async def test_500_is_not_retried(mock_api, client) -> None:
    mock_api.get(DEP_URL, status=500, payload={"message": "boom"})
    with pytest.raises(aiodeploy.ServerError) as info:
        await client.get_deployment(DEP_ID)
    assert info.value.status_code == 500
    assert count(mock_api, "GET", DEP_URL) == 1


async def test_retry_after_is_honoured_and_a_longer_one_than_the_cap_fails_at_once(
    mock_api, client, clock
) -> None:
    mock_api.get(DEP_URL, status=429, headers={"Retry-After": "7"})
    mock_api.get(DEP_URL, status=503, headers={"Retry-After": "100000"})
    mock_api.get(DEP_URL, payload=samples.deployment())
    with pytest.raises(aiodeploy.ServerError) as info:
        await client.get_deployment(DEP_ID)
    assert info.value.retry_after == 100000.0
    assert clock.sleeps == [7.0]
    assert count(mock_api, "GET", DEP_URL) == 2


async def test_last_attempt_surfaces_the_typed_error_not_tenacitys(mock_api, clock) -> None:
    mock_api.get(DEP_URL, status=503, payload={"message": "down"}, repeat=True)
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, retry=RetryPolicy(max_attempts=3), sleep=clock.sleep, clock=clock
    ) as api:
        with pytest.raises(aiodeploy.ServerError, match="down") as info:
            await api.get_deployment(DEP_ID)
    assert info.value.status_code == 503
    assert count(mock_api, "GET", DEP_URL) == 3


async def test_max_retries_from_config_sets_the_attempts(mock_api, clock) -> None:
    mock_api.get(DEP_URL, status=502, repeat=True)
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, max_retries=1, sleep=clock.sleep, clock=clock
    ) as api:
        with pytest.raises(aiodeploy.ServerError):
            await api.get_deployment(DEP_ID)
    assert count(mock_api, "GET", DEP_URL) == 2


HISTORY_URL = f"{DEP_URL}modelHistory/?limit=100"


def history(*model_ids: str) -> dict:
    data = [{"modelId": model_id} for model_id in model_ids]
    return {"count": len(data), "next": None, "previous": None, "data": data}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_patch_answered_5xx_and_not_applied_is_sent_again(mock_api, client, status):
    url = f"{DEP_URL}model/"
    mock_api.patch(url, status=status)  # the server may have acted: the deployment tells
    mock_api.get(DEP_URL, payload=samples.deployment())  # ... it did not
    mock_api.patch(url, status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))
    dep = await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert dep.model.id == NEW_MODEL_ID
    assert count(mock_api, "PATCH", url) == 2


@pytest.mark.parametrize(
    "failure",
    [
        {"exception": aiohttp.ServerDisconnectedError()},  # the answer was lost
        {"status": 502},  # a gateway gave up while the server acted
        {"status": 202, "body": "<html>garbled</html>"},  # no Location
    ],
)
async def test_a_patch_applied_but_unanswered_is_never_sent_again(mock_api, client, failure):
    url = f"{DEP_URL}model/"
    mock_api.patch(url, **failure)
    new = samples.deployment(model_id=NEW_MODEL_ID)
    mock_api.get(DEP_URL, payload=new)  # it took effect
    mock_api.get(HISTORY_URL, payload=history(samples.MODEL_ID))  # its job still runs
    mock_api.get(DEP_URL, payload=new)  # ... and has not been rolled back
    mock_api.get(HISTORY_URL, payload=history(samples.MODEL_ID, NEW_MODEL_ID))  # done
    mock_api.get(DEP_URL, payload=new)
    dep = await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert dep.model.id == NEW_MODEL_ID
    assert count(mock_api, "PATCH", url) == 1


async def test_an_unanswered_patch_whose_job_failed_reports_the_failure(mock_api, client):
    url = f"{DEP_URL}model/"
    mock_api.patch(url, exception=aiohttp.ServerDisconnectedError())
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))  # accepted
    mock_api.get(HISTORY_URL, payload=history(samples.MODEL_ID))
    mock_api.get(DEP_URL, payload=samples.deployment())  # ... then rolled back
    with pytest.raises(aiodeploy.AsyncProcessUnsuccessfulError, match="went back"):
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert count(mock_api, "PATCH", url) == 1


async def test_a_patch_refused_for_good_is_not_settled_by_reading(mock_api, client) -> None:
    url = f"{DEP_URL}model/"
    mock_api.patch(url, status=400, payload={"message": "bad reason"})
    with pytest.raises(aiodeploy.BadRequestError):
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert count(mock_api, "GET", DEP_URL) == 0


async def test_a_patch_that_never_left_is_not_settled_by_reading(mock_api, client) -> None:
    url = f"{DEP_URL}model/"
    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("dr.test", 443, True, True, None, None, None),
        OSError(111, "Connection refused"),
    )
    mock_api.patch(url, exception=refused, repeat=True)
    with pytest.raises(aiodeploy.TransportError) as info:
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert info.value.request_sent is False
    assert count(mock_api, "GET", DEP_URL) == 0


async def test_patch_is_retried_on_429_and_503_with_retry_after(mock_api, client, clock) -> None:
    url = f"{DEP_URL}model/"
    mock_api.patch(url, status=429)
    mock_api.patch(url, status=503, headers={"Retry-After": "1"})
    mock_api.patch(url, status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))
    await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert count(mock_api, "PATCH", url) == 3
    assert clock.sleeps[1] == 1.0


async def test_post_is_retried_when_the_connection_never_opened(mock_api, client) -> None:
    url = f"{ENDPOINT}/deployments/fromLearningModel/"
    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("dr.test", 443, True, True, None, None, None),
        ConnectionRefusedError(111, "Connection refused"),
    )
    mock_api.post(url, exception=refused)
    mock_api.post(url, payload={"id": DEP_ID})
    mock_api.get(DEP_URL, payload=samples.deployment())
    await client.create_deployment_from_learning_model(samples.MODEL_ID, "x")
    assert count(mock_api, "POST", url) == 2


async def test_cancellation_is_never_retried(mock_api, client) -> None:
    mock_api.get(DEP_URL, exception=asyncio.CancelledError())
    mock_api.get(DEP_URL, payload=samples.deployment())
    with pytest.raises(asyncio.CancelledError):
        await client.get_deployment(DEP_ID)
    assert count(mock_api, "GET", DEP_URL) == 1


async def test_timeouts_map_to_api_timeout_error(mock_api, clock) -> None:
    mock_api.get(DEP_URL, exception=asyncio.TimeoutError(), repeat=True)
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, retry=RetryPolicy(max_attempts=2), sleep=clock.sleep, clock=clock
    ) as api:
        with pytest.raises(aiodeploy.APITimeoutError) as info:
            await api.get_deployment(DEP_ID)
    assert isinstance(info.value, TimeoutError)
    assert info.value.url == DEP_URL


# -- cross-origin refusal ---------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.test/api/v2/status/1/",  # another host
        "http://dr.test:443/api/v2/status/1/",  # the same host and port, plain http
        "https://dr.test:8443/api/v2/status/1/",  # another port
    ],
)
async def test_status_location_on_another_origin_is_refused(mock_api, client, location):
    # never followed (the token must not go there), but the replacement was accepted: the
    # deployment and its model history on the endpoint's own origin tell when it is done
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": location})
    new = samples.deployment(model_id=NEW_MODEL_ID)
    mock_api.get(HISTORY_URL, payload=history(samples.MODEL_ID, NEW_MODEL_ID))
    mock_api.get(DEP_URL, payload=new)
    dep = await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert dep.model.id == NEW_MODEL_ID
    assert count(mock_api, "PATCH", f"{DEP_URL}model/") == 1
    requested = {str(url) for (_, url) in mock_api.requests}
    assert not any(url.startswith(location.split("/api")[0] + "/") for url in requested)


async def test_next_link_on_another_origin_is_refused(mock_api, client) -> None:
    evil = "https://evil.test/api/v2/deployments/?offset=1"
    mock_api.get(
        f"{ENDPOINT}/deployments/?limit=100",
        payload={"count": 1, "next": evil, "previous": None, "data": [samples.deployment()]},
    )
    with pytest.raises(aiodeploy.CrossOriginError):
        async for _ in client.iter_deployments():
            pass
    assert all(url.host == "dr.test" for _, url in mock_api.requests)


async def test_result_location_on_another_origin_is_refused(mock_api, client) -> None:
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, status=303, headers={"Location": "https://evil.test/x/"})
    mock_api.get(DEP_URL, payload=samples.deployment())
    operation = await client.start_model_replacement(DEP_ID, NEW_MODEL_ID)
    with pytest.raises(aiodeploy.CrossOriginError) as info:
        await client.wait_for_job(operation.status_url)
    assert info.value.url == "https://evil.test/x/"
    with pytest.raises(aiodeploy.CrossOriginError):
        await client.wait_for_job("https://evil.test/api/v2/status/1/")


async def test_same_origin_absolute_location_with_default_port_is_followed(mock_api, client):
    location = "https://DR.test:443/api/v2/status/1/"
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": location})
    mock_api.get(location, status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))
    dep = await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert dep.model is not None
    assert dep.model.id == NEW_MODEL_ID


async def test_relative_location_is_resolved_against_the_request(mock_api, client) -> None:
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": "/api/v2/status/9/"})
    mock_api.get(f"{ENDPOINT}/status/9/", status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment())
    await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert count(mock_api, "GET", f"{ENDPOINT}/status/9/") == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://DR.Test/api/v2/", ("https", "dr.test", 443)),  # case does not matter
        ("http://dr.test/api/v2/", ("http", "dr.test", 80)),  # the default port filled in
        ("https://dr.test:8443/x", ("https", "dr.test", 8443)),
        ("http://127.0.0.1:8080/x", ("http", "127.0.0.1", 8080)),
    ],
)
def test_an_origin_is_scheme_host_and_port(url: str, expected: tuple[str, str, int]) -> None:
    assert origin(url) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("deployments/", f"{ENDPOINT}/deployments/"),
        ("/deployments/", f"{ENDPOINT}/deployments/"),  # no double slash
        ("//status/1/", f"{ENDPOINT}/status/1/"),
        ("/XGBoost/x/", f"{ENDPOINT}/XGBoost/x/"),  # only slashes are dropped
    ],
)
def test_a_relative_path_is_joined_to_the_endpoint(path: str, expected: str) -> None:
    assert Transport(f"{ENDPOINT}/", "Bearer t").url_for(path) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"{ENDPOINT}/status/1/",
        "HTTPS://DR.TEST/api/v2/status/1/",
        "https://dr.test:443/other/path/",  # the origin is checked, not the path
    ],
)
def test_an_absolute_url_on_the_endpoint_origin_is_used_as_it_is(url: str) -> None:
    assert Transport(ENDPOINT, "Bearer t").url_for(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://dr.test:443/api/v2/status/1/",  # same host and port, other scheme
        "https://evil.test/api/v2/status/1/",
        "https://dr.test:8443/api/v2/status/1/",
        "https://dr.test:99999/api/v2/status/1/",  # a port out of range
        "https://dr.test:port/api/v2/status/1/",  # a port that is not a number
        "https:///api/v2/status/1/",  # no host
    ],
)
@pytest.mark.parametrize("endpoint", [ENDPOINT, "https://dr.test/api/v2/tenant-X"])
def test_an_absolute_url_on_another_origin_is_refused(url: str, endpoint: str) -> None:
    with pytest.raises(aiodeploy.CrossOriginError) as info:
        Transport(f"{endpoint}/", "Bearer t").url_for(url)
    assert info.value.url == url
    assert info.value.endpoint == endpoint  # the configured endpoint, without its slash


PREDICTION_SERVER = "https://pred.test"


def test_a_url_on_the_prediction_servers_origin_passes_and_no_other() -> None:
    # a prediction server widens the check by its own origin, and only by it
    transport = Transport(ENDPOINT, "Bearer t")
    url = "https://PRED.test:443/predApi/v1.0/deployments/d/predictions"
    assert transport.url_for(url, prediction_server=PREDICTION_SERVER) == url
    for other in ("https://evil.test/predApi/v1.0/", "http://pred.test/predApi/v1.0/"):
        with pytest.raises(aiodeploy.CrossOriginError):
            transport.url_for(other, prediction_server=PREDICTION_SERVER)
        with pytest.raises(aiodeploy.CrossOriginError):
            transport.url_for(other)
    with pytest.raises(aiodeploy.CrossOriginError):
        transport.url_for(url)  # without it, its origin is foreign


# -- malformed replies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
        (b'{"id": "abc", "label": ', "application/json"),
        (b'{"id": 12}', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
    ],
)
async def test_malformed_success_bodies_raise_response_decode_error(
    mock_api, client, body, content_type
):
    mock_api.get(DEP_URL, body=body, content_type=content_type)
    with pytest.raises(aiodeploy.ResponseDecodeError) as info:
        await client.get_deployment(DEP_ID)
    assert info.value.status_code == 200
    assert info.value.excerpt == body[:200].decode("utf-8", errors="replace")


async def test_html_error_page_becomes_a_typed_error_with_an_excerpt(mock_api, client) -> None:
    mock_api.get(DEP_URL, status=404, body=b"<html>Not here</html>", content_type="text/html")
    with pytest.raises(aiodeploy.NotFoundError, match="Not here") as info:
        await client.get_deployment(DEP_ID)
    assert info.value.body is None


async def test_error_fields_are_structured(mock_api, client) -> None:
    mock_api.get(
        DEP_URL,
        status=422,
        payload={"message": {"orderBy": "bad value"}, "errors": {"orderBy": ["bad"]}},
        headers={"X-DataRobot-Request-ID": "req-42"},
    )
    with pytest.raises(aiodeploy.UnprocessableEntityError) as info:
        await client.get_deployment(DEP_ID)
    err = info.value
    assert (err.status_code, err.method, err.url) == (422, "GET", DEP_URL)
    assert err.message == {"orderBy": "bad value"}
    assert err.errors == {"orderBy": ["bad"]}
    assert err.request_id == "req-42"
    assert "req-42" in str(err)


@pytest.mark.parametrize(
    ("reply", "match"),
    [({"status": 200, "payload": {}}, "expected HTTP 202"), ({"status": 202}, "Location")],
)
async def test_a_garbled_answer_that_never_takes_effect_is_typed(
    mock_api, client, reply, match
) -> None:
    url = f"{DEP_URL}model/"
    mock_api.patch(url, repeat=True, **reply)
    mock_api.get(DEP_URL, payload=samples.deployment(), repeat=True)  # never took effect
    with pytest.raises(aiodeploy.AiodeployError, match="did not take effect") as info:
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")
    assert isinstance(info.value.__cause__, aiodeploy.ResponseDecodeError)
    assert match in str(info.value.__cause__)
    assert count(mock_api, "PATCH", url) == client.retry.max_attempts + 1


@pytest.mark.parametrize("bad", ["", "a/b", "a?b", "a#b", "a b", "tab\t"])
async def test_bad_ids_are_refused_before_any_request(mock_api, client, bad) -> None:
    with pytest.raises(ValueError, match="not a valid id"):
        await client.get_deployment(bad)
    with pytest.raises(ValueError, match="not a valid id"):
        await client.replace_model(DEP_ID, bad, "OTHER")
    with pytest.raises(ValueError, match="not a valid id"):
        await client.get_model("p", bad)
    assert mock_api.requests == {}


async def test_a_non_string_id_is_a_type_error(mock_api, client) -> None:
    with pytest.raises(TypeError):
        await client.get_deployment(123)  # type: ignore[arg-type]
    assert mock_api.requests == {}


@pytest.mark.parametrize("max_wait", [-1, float("nan")])
async def test_bad_max_wait_is_refused(mock_api, client, max_wait) -> None:
    with pytest.raises(ValueError, match="max_wait"):
        await client.wait_for_job(STATUS_URL, max_wait=max_wait)
    assert mock_api.requests == {}


# -- secrets ----------------------------------------------------------------------------


async def test_token_never_appears_in_reprs_errors_or_debug_logs(mock_api, client, caplog):
    caplog.set_level(logging.DEBUG)
    mock_api.get(DEP_URL, status=401, payload={"message": "bad token"})
    mock_api.get(f"{DEP_URL}settings/", status=503, repeat=True)
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": "https://evil.test/s/"})
    errors: list[BaseException] = []
    for call in (
        client.get_deployment(DEP_ID),
        client.get_drift_tracking_settings(DEP_ID),
        client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER"),
    ):
        with pytest.raises(aiodeploy.AiodeployError) as info:
            await call
        errors.append(info.value)
    texts = [repr(client), repr(client._session.transport), caplog.text]
    for err in errors:
        texts += [str(err), repr(err), repr(err.__dict__), str(pickle.loads(pickle.dumps(err)))]
    assert caplog.records, "the DEBUG log must have recorded the requests"
    assert not [t for t in texts if TOKEN in t]


async def test_authentication_error_does_not_echo_the_token(mock_api, client) -> None:
    mock_api.get(DEP_URL, status=401, payload={"message": "Invalid token"})
    with pytest.raises(aiodeploy.AuthenticationError) as info:
        await client.get_deployment(DEP_ID)
    assert TOKEN not in str(info.value)
    assert info.value.status_code == 401


# -- lifecycle --------------------------------------------------------------------------


async def test_a_caller_supplied_session_is_not_closed(mock_api) -> None:
    mock_api.get(DEP_URL, payload=samples.deployment())
    async with aiohttp.ClientSession() as session:
        async with aiodeploy.AsyncDeploymentClient(ENDPOINT, TOKEN, session=session) as api:
            await api.get_deployment(DEP_ID)
        assert not session.closed


async def test_aclose_is_idempotent_and_a_closed_client_refuses_work(mock_api) -> None:
    api = aiodeploy.AsyncDeploymentClient(ENDPOINT, TOKEN)
    mock_api.get(DEP_URL, payload=samples.deployment())
    await api.get_deployment(DEP_ID)
    await api.aclose()
    await api.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await api.get_deployment(DEP_ID)


async def test_no_session_is_created_until_the_first_request() -> None:
    api = aiodeploy.AsyncDeploymentClient(ENDPOINT, TOKEN)
    assert api._session.transport._session is None
    await api.aclose()


def test_missing_configuration_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("DATAROBOT_ENDPOINT", raising=False)
    monkeypatch.delenv("DATAROBOT_API_TOKEN", raising=False)
    monkeypatch.delenv("DATAROBOT_CONFIG_FILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(aiodeploy.ConfigurationError, match="DATAROBOT_ENDPOINT"):
        aiodeploy.AsyncDeploymentClient()


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_validation_post_is_retried_like_a_read(mock_api, client, status) -> None:
    url = f"{DEP_URL}model/validation/"
    mock_api.post(url, status=status)
    mock_api.post(url, payload={"status": "passing", "message": "ok", "checks": {}})
    validation = await client.validate_replacement_model(DEP_ID, NEW_MODEL_ID)
    assert validation.status == "passing"
    assert count(mock_api, "POST", url) == 2


async def test_a_validation_post_is_retried_after_a_lost_connection(mock_api, client) -> None:
    url = f"{DEP_URL}model/validation/"
    mock_api.post(url, exception=aiohttp.ServerDisconnectedError())
    mock_api.post(url, payload={"status": "passing", "message": "ok", "checks": {}})
    assert (await client.validate_replacement_model(DEP_ID, NEW_MODEL_ID)).ok


async def test_max_retries_zero_from_the_environment_means_one_attempt(
    mock_api, clock, monkeypatch
) -> None:
    monkeypatch.setenv("DATAROBOT_MAX_RETRIES", "0")
    mock_api.get(DEP_URL, status=503, repeat=True)
    async with aiodeploy.AsyncDeploymentClient(
        ENDPOINT, TOKEN, sleep=clock.sleep, clock=clock
    ) as api:
        assert api.retry.max_attempts == 1
        with pytest.raises(aiodeploy.ServerError):
            await api.get_deployment(DEP_ID)
    assert count(mock_api, "GET", DEP_URL) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error"),
    [
        (500, b"<pre>Authorization: Bearer " + TOKEN.encode() + b"</pre>", "text/html",
         aiodeploy.ServerError),
        (400, b'{"message": "bad header Bearer ' + TOKEN.encode() + b'"}', "application/json",
         aiodeploy.BadRequestError),
        (200, b"<html>debug: Bearer " + TOKEN.encode() + b"</html>", "text/html",
         aiodeploy.ResponseDecodeError),
    ],
)  # fmt: skip
async def test_a_token_the_server_echoes_back_stays_out_of_errors(
    mock_api, client, status, body, content_type, error
) -> None:
    # A gateway's debug page or a reflecting error message may quote the request's
    # Authorization header: its text went into the error's message, body and excerpt.
    mock_api.get(DEP_URL, status=status, body=body, content_type=content_type)
    with pytest.raises(error) as info:
        await client.get_deployment(DEP_ID)
    seen = [str(info.value), repr(info.value), repr(vars(info.value))]
    assert all(TOKEN not in text for text in seen), seen
    assert "Bearer" in str(info.value)  # the rest of the server's words stay

"""The emulator under abuse: malformed HTTP never gets a 500, and 2000 connections at once
are each served or refused cleanly, after which it still answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource

import anyio
import pytest

from aiodeploy.emulator import Emulator

from .conftest import SIZES, ThreadedEmulator

SEED = 8086


# Requests whose body never fully arrives: the sender half-closes so that the server sees
# the end. (Half-closing after a complete request would make aiohttp drop its reply.)
_INCOMPLETE = {"length longer than body", "huge length"}


async def _exchange(port: int, raw: bytes, *, half_close: bool = False) -> bytes:
    """Send raw bytes and read whatever comes back until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        try:
            writer.write(raw)
            await writer.drain()
            if half_close:
                writer.write_eof()
        except (ConnectionError, BrokenPipeError):
            pass  # the server may hang up before reading everything: that is a clean refusal
        chunks = []
        with anyio.fail_after(30):  # a hang guard, not a timing assertion
            while True:
                try:
                    chunk = await reader.read(65536)
                except ConnectionError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)
    finally:
        writer.close()
        with contextlib.suppress(OSError):  # a reset connection closes with an error
            await writer.wait_closed()


def _statuses(reply: bytes) -> list[int]:
    """The status of every response in ``reply`` (pipelined requests get several)."""
    found = []
    for line in reply.split(b"\r\n"):
        if line.startswith(b"HTTP/1."):
            parts = line.split(b" ", 2)
            if len(parts) >= 2 and parts[1].isdigit():
                found.append(int(parts[1]))
    return found


def _requests(dep: str, token: str) -> dict[str, bytes]:
    auth = f"Authorization: Bearer {token}\r\n".encode()
    host = b"Host: 127.0.0.1\r\nConnection: close\r\n"
    body = b'{"modelId": "x", "reason": "OTHER"}'
    deep = b"[" * 100_000 + b"]" * 100_000

    def patch(payload: bytes, extra: bytes = b"") -> bytes:
        return (
            f"PATCH /api/v2/deployments/{dep}/model/ HTTP/1.1\r\n".encode()
            + host + auth + b"Content-Type: application/json\r\n" + extra
            + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
        )  # fmt: skip

    return {
        "garbage": bytes(random.Random(SEED).randrange(256) for _ in range(2000)),
        "binary request line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 20,  # TLS
        "no version": b"GET /api/v2/version/\r\n\r\n",
        "bad version": b"GET /api/v2/version/ HTTP/9.9\r\n" + host + b"\r\n",
        "bad method": b"G\x00T /api/v2/version/ HTTP/1.1\r\n" + host + b"\r\n",
        "huge method": b"X" * 100_000 + b" / HTTP/1.1\r\n\r\n",
        "huge url": b"GET /api/v2/" + b"a" * 100_000 + b" HTTP/1.1\r\n" + host + b"\r\n",
        "huge header": b"GET /api/v2/version/ HTTP/1.1\r\n"
        + host
        + b"X: "
        + b"y" * 100_000
        + b"\r\n\r\n",
        "many headers": b"GET /api/v2/version/ HTTP/1.1\r\n"
        + host
        + b"".join(f"X-{i}: {i}\r\n".encode() for i in range(5000))
        + b"\r\n",
        "header without colon": b"GET /api/v2/version/ HTTP/1.1\r\n"
        + host
        + b"Broken header\r\n\r\n",
        "folded header": b"GET /api/v2/version/ HTTP/1.1\r\n" + host + b"X: a\r\n b\r\n\r\n",
        "nul in header": b"GET /api/v2/version/ HTTP/1.1\r\n" + host + b"X: a\x00b\r\n\r\n",
        "bad percent escape": b"GET /api/v2/deployments/%ZZ/ HTTP/1.1\r\n" + host + auth + b"\r\n",
        "not utf-8 path": b"GET /api/v2/deployments/\xff\xfe/ HTTP/1.1\r\n" + host + auth + b"\r\n",
        "dot segments": b"GET /api/v2/deployments/../../_emulator/stats HTTP/1.1\r\n"
        + host
        + auth
        + b"\r\n",
        "bad query": b"GET /api/v2/deployments/?limit=%ZZ&offset=1e999&limit=9"
        + b"9" * 5000
        + b" HTTP/1.1\r\n"
        + host
        + auth
        + b"\r\n",
        "many query keys": b"GET /api/v2/deployments/?"
        + b"&".join(b"k%d=v" % i for i in range(5000))
        + b" HTTP/1.1\r\n"
        + host
        + auth
        + b"\r\n",
        "negative length": patch(b"")[:-4].replace(b"Content-Length: 0", b"Content-Length: -1")
        + b"\r\n\r\n",
        "letters for length": patch(body).replace(
            f"Content-Length: {len(body)}".encode(), b"Content-Length: abc"
        ),
        "length longer than body": patch(body).replace(
            f"Content-Length: {len(body)}".encode(), b"Content-Length: 1000"
        ),
        "huge length": patch(body).replace(
            f"Content-Length: {len(body)}".encode(), b"Content-Length: 99999999999999999999"
        ),
        "two lengths": patch(body, b"Content-Length: 3\r\n"),
        "length and chunked": patch(body, b"Transfer-Encoding: chunked\r\n"),
        "bad chunk": (
            f"PATCH /api/v2/deployments/{dep}/model/ HTTP/1.1\r\n".encode()
            + host
            + auth
            + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
        ),
        "unknown transfer encoding": (
            f"PATCH /api/v2/deployments/{dep}/model/ HTTP/1.1\r\n".encode()
            + host
            + auth
            + b"Transfer-Encoding: gzip, chunked, br\r\n\r\n0\r\n\r\n"
        ),
        "bad json": patch(b'{"modelId": '),
        "not utf-8 json": patch(b'{"modelId": "\xff\xfe"}'),
        "deeply nested json": patch(deep),
        "deeply nested field": patch(b'{"modelId": ' + deep + b"}"),
        "huge number": patch(b'{"modelId": ' + b"9" * 10_000 + b"}"),
        "json not an object": patch(b"[1, 2, 3]"),
        "body too large": patch(b'{"modelId": "' + b"x" * 3_000_000 + b'"}'),
        "bad authorization": b"GET /api/v2/version/ HTTP/1.1\r\n"
        + host
        + b"Authorization: Bearer \xff\xfe\r\n\r\n",
        "huge token": b"GET /api/v2/version/ HTTP/1.1\r\n"
        + host
        + b"Authorization: Bearer "
        + b"t" * 8000
        + b"\r\n\r\n",
        "pipelined junk": b"GET /api/v2/version/ HTTP/1.1\r\n"
        + host
        + auth
        + b"\r\n"
        + b"\x00\x01junk\r\n\r\n",
        "http/1.0 without host": b"GET /api/v2/version/ HTTP/1.0\r\n" + auth + b"\r\n",
        "unknown method": b"BREW /api/v2/version/ HTTP/1.1\r\n" + host + auth + b"\r\n",
        "admin bad json": b"POST /_emulator/faults HTTP/1.1\r\n"
        + host
        + b"Content-Length: 12\r\n\r\n"
        + b'{"spec": [[]',
        "admin deep json": b"POST /_emulator/faults HTTP/1.1\r\n"
        + host
        + f"Content-Length: {len(deep)}\r\n\r\n".encode()
        + deep,
    }


async def test_malformed_requests_never_get_a_500(figures) -> None:
    async with Emulator(deployments=3) as emu:
        dep = emu.state.live_deployments()[0].id
        outcomes = {}
        for name, raw in _requests(dep, emu.token).items():
            statuses = _statuses(await _exchange(emu.port, raw, half_close=name in _INCOMPLETE))
            assert all(status < 500 or status in (501, 505) for status in statuses), (
                name,
                statuses,
            )
            assert 500 not in statuses, name
            outcomes[name] = statuses or "closed"
        assert emu.state.stats.unexpected_errors == 0
        assert emu.state.stats.request_count(status=500) == 0
        # and it still serves
        ok = await _exchange(
            emu.port,
            b"GET /api/v2/version/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + f"Authorization: Bearer {emu.token}\r\n\r\n".encode(),
        )
        assert _statuses(ok) == [200]
    figures.update(
        requests=len(outcomes),
        closed_without_reply=sum(v == "closed" for v in outcomes.values()),
        statuses=sorted({s for v in outcomes.values() if v != "closed" for s in v}),
    )


def _raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and (hard == resource.RLIM_INFINITY or hard > soft):
        target = needed if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


async def test_2000_concurrent_connections_are_all_served(threaded_emulator, figures) -> None:
    count = SIZES.connections
    needed = 2 * count + 100  # a client and a server socket each, in this one process
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if _raise_fd_limit(needed) < needed:
        pytest.skip(f"{count} connections need {needed} file descriptors; the limit is {hard}")
    try:
        server: ThreadedEmulator = threaded_emulator(deployments=20)
        emu = server.emulator
        request = (
            "GET /api/v2/deployments/?limit=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {emu.token}\r\nConnection: close\r\n\r\n"
        ).encode()
        connected = 0
        all_open = anyio.Event()
        results: list[str] = []

        async def one() -> None:
            nonlocal connected
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
            except OSError as exc:
                results.append(f"refused:{type(exc).__name__}")
                connected += 1
                if connected == count:
                    all_open.set()
                return
            connected += 1
            if connected == count:
                all_open.set()
            try:
                await all_open.wait()  # every connection is open before any request goes
                writer.write(request)
                await writer.drain()
                reply = await reader.read()  # until the server closes (Connection: close)
                statuses = _statuses(reply)
                results.append(f"status:{statuses[0]}" if statuses else "closed")
            except OSError as exc:
                results.append(f"reset:{type(exc).__name__}")
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

        with anyio.fail_after(100):  # a hang guard, not a timing assertion
            async with anyio.create_task_group() as tg:
                for _ in range(count):
                    tg.start_soon(one)
        tally = {kind: results.count(kind) for kind in sorted(set(results))}
        assert len(results) == count
        assert tally == {"status:200": count}  # every connection was served
        assert server.call(lambda: emu.state.stats.unexpected_errors) == 0
        # it still answers afterwards
        after = await _exchange(emu.port, request)
        assert _statuses(after) == [200]
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    figures.update(connections=count, outcomes=tally)

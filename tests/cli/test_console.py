"""Consoles that cannot encode every character, and readers that go away, in-process.

Each test gives ``main()`` a stdout and a stderr that encode strictly as a Windows console
(cp1252), a GBK locale or ``PYTHONIOENCODING=ascii`` would; a label such as
"Prévision 需求 — 📈 q3" must come out with the unencodable characters replaced.
"""

from __future__ import annotations

import dataclasses
import io
import sys

import anyio
import pytest

from aiodeploy import Outcome
from aiodeploy.cli import _output, main
from aiodeploy.cli._progress import _PlainProgress
from aiodeploy.cli._streams import tolerant_streams

from .conftest import write_csv
from .test_rollout_parts import _finished

LABEL = "Prévision 需求 — 📈 q3"
ENCODINGS = ["ascii", "cp1252", "gbk"]


@dataclasses.dataclass
class Console:
    """What one run wrote, decoded the way the console would show it."""

    code: int
    out: str
    err: str


def _strict(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)


@pytest.fixture
def console(emulator, monkeypatch):
    """``await console(encoding, *argv)`` runs ``main()`` on strict non-UTF-8 streams."""

    async def run(encoding: str, *argv: str) -> Console:
        out, err = _strict(encoding), _strict(encoding)
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        args = [*argv, "--endpoint", emulator.endpoint, "--token", emulator.token]
        code = await anyio.to_thread.run_sync(main, args)
        assert (out.errors, err.errors) == ("strict", "strict")  # restored afterwards
        texts = [stream.buffer.getvalue().decode(encoding) for stream in (out, err)]  # type: ignore[attr-defined]
        return Console(code, *texts)

    return run


def _seeded(emulator) -> str:
    state = emulator.state
    model = state.current_model(state.live_deployments()[0].id)
    return state.create_deployment(model.id, LABEL, description="coût 5 €").id


def _expected_label(encoding: str) -> str:
    return LABEL.encode(encoding, "replace").decode(encoding)


@pytest.mark.parametrize("rich", [True, False], ids=["rich", "plain"])
@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_tables_and_fields_replace_what_the_console_cannot_show(
    console, emulator, monkeypatch, encoding, rich
) -> None:
    monkeypatch.setattr(_output, "USE_RICH", rich)
    dep_id = _seeded(emulator)
    listed = await console(encoding, "deployments", "list")
    assert (listed.code, listed.err) == (0, "")
    assert _expected_label(encoding) in listed.out
    assert "6 deployment(s)" in listed.out
    shown = await console(encoding, "deployments", "get", dep_id)
    assert shown.code == 0
    assert _expected_label(encoding) in shown.out
    assert "co?t 5 ?" in shown.out or encoding == "cp1252"
    as_json = await console(encoding, "--json", "deployments", "list", "--search", "需求")
    assert as_json.code == 0
    assert "\\u9700\\u6c42" in as_json.out  # JSON escapes: the label survives intact


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_progress_summary_and_errors_too(console, emulator, monkeypatch, tmp_path, encoding):
    monkeypatch.setattr(_output, "USE_RICH", False)
    dep_id = _seeded(emulator)
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    plan = write_csv(tmp_path / "plan.csv", [[dep_id, model_id, "accuracy"]])
    run = await console(encoding, "rollout", str(plan), "--no-journal")
    assert run.code == 0, run.err
    assert "rollout: 1/1 done" in run.err  # the plain progress line, with its "·"
    assert "all done" in run.out
    refused = await console(encoding, "deployments", "list", "--status", "📈")
    assert refused.code == 2
    assert "invalid choice: '?'" in refused.err
    missing = await console(encoding, "rollout", str(tmp_path / "plän 📈.csv"))
    assert missing.code == 2
    assert "cannot read the plan" in missing.err


def test_streams_that_already_replace_are_left_alone(monkeypatch) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="xmlcharrefreplace")
    err = io.StringIO()  # not a byte stream: nothing to encode
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with tolerant_streams():
        assert out.errors == "xmlcharrefreplace"
        sys.stdout.write("需")
        sys.stdout.flush()
    assert out.buffer.getvalue() == b"&#38656;"  # type: ignore[attr-defined]


def test_plain_progress_outlives_a_closed_log() -> None:
    class Gone:
        writes = 0

        def write(self, text: str) -> None:
            self.writes += 1
            raise BrokenPipeError

        def flush(self) -> None:
            pass

    stream = Gone()
    progress = _PlainProgress(2, stream)  # type: ignore[arg-type]
    progress(_finished(0, Outcome.REPLACED))
    progress(_finished(1, Outcome.REPLACED))
    assert stream.writes == 1  # tried once, then quiet
    assert progress.tally.counts["replaced"] == 2

"""FaultProfile parsing and the seeded fault draws (no sockets)."""

from __future__ import annotations

import pytest

from aiodeploy.emulator import FaultProfile
from aiodeploy.emulator._faults import FaultAction, FaultInjector
from aiodeploy.emulator._jobs import parse_duration


def test_parse_reads_every_key() -> None:
    spec = (
        "500=0.1, 502=0.05,503=0.05,504=0.01,429=0.2,retry_after=2,reset=0.01,"
        "reset_after=0.02,latency=0.5,job_error=0.1,job_hang=0.05"
    )
    profile = FaultProfile.parse(spec)
    assert profile.status_rates == {500: 0.1, 502: 0.05, 503: 0.05, 504: 0.01, 429: 0.2}
    assert profile.retry_after == 2
    assert (profile.reset, profile.reset_after, profile.latency) == (0.01, 0.02, 0.5)
    assert (profile.job_error, profile.job_hang) == (0.1, 0.05)


def test_empty_spec_means_no_faults() -> None:
    assert FaultProfile.parse("") == FaultProfile()
    assert FaultProfile.parse(" , ") == FaultProfile()


def test_to_spec_round_trips() -> None:
    profile = FaultProfile.parse("503=0.25,retry_after=1.5,latency=0.1,job_error=0.5")
    assert FaultProfile.parse(profile.to_spec()) == profile


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("teapot=0.1", "unknown fault 'teapot'"),
        ("500", "is not key=value"),
        ("500=abc", "not a number"),
        ("500=1.5", "between 0 and 1"),
        ("latency=-1", ">= 0"),
        ("latency=inf", "finite"),
        ("500=0.1,500=0.2", "given twice"),
        ("500=0.6,503=0.6", "add up to more than 1"),
    ],
)
def test_bad_specs_raise_clear_errors(spec: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        FaultProfile.parse(spec)


def _draws(seed: int, profile: FaultProfile, count: int = 200) -> list[tuple[str, int, bool]]:
    injector = FaultInjector(seed, profile)
    out = []
    for _ in range(count):
        decision = injector.decide(mutating=True)
        out.append((decision.action.value, decision.status, decision.reset_after))
    return out


def test_draws_repeat_for_a_seed_and_differ_across_seeds() -> None:
    profile = FaultProfile.parse("503=0.3,reset=0.1,reset_after=0.2")
    assert _draws(1, profile) == _draws(1, profile)
    assert _draws(1, profile) != _draws(2, profile)


def test_rates_are_roughly_honoured() -> None:
    draws = _draws(7, FaultProfile.parse("500=0.5"), 2000)
    share = sum(action == FaultAction.STATUS.value for action, _, _ in draws) / len(draws)
    assert 0.45 < share < 0.55


def test_reset_after_only_for_mutations() -> None:
    injector = FaultInjector(0, FaultProfile.parse("reset_after=1"))
    assert not injector.decide(mutating=False).reset_after
    assert injector.decide(mutating=True).reset_after


def test_no_profile_draws_nothing() -> None:
    injector = FaultInjector(0, None)
    assert injector.decide(mutating=True).action is FaultAction.NONE
    assert injector.job_outcome() == (False, False)


def test_reseed_restarts_the_sequence() -> None:
    injector = FaultInjector(3, FaultProfile.parse("503=0.5"))
    first = [injector.decide(mutating=False).status for _ in range(50)]
    injector.reseed()
    assert [injector.decide(mutating=False).status for _ in range(50)] == first


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2, (2.0, 2.0)), ("1.5:3", (1.5, 3.0)), ("0", (0.0, 0.0)), ((0.5, 1), (0.5, 1.0))],
)
def test_durations_parse(value: object, expected: tuple[float, float]) -> None:
    assert parse_duration(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["3:1", "-1", "x", "1:y", (2, 1)])
def test_bad_durations_raise(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)  # type: ignore[arg-type]

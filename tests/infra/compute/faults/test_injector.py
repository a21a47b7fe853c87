"""The fault injector's decisions: off by default, seeded and reproducible, counted by kind."""

from __future__ import annotations

import pytest

from infra.compute import faults
from infra.compute.faults import KINDS, FaultInjector, parse_rate
from infra.exceptions import ToolkitError


def _draws(injector: FaultInjector, kind: str, times: int = 200) -> list[bool]:
    return [injector.decide(kind) for _ in range(times)]


def test_the_same_seed_draws_the_same_faults_and_another_seed_draws_others():
    first, again, other = FaultInjector(0.3, seed=7), FaultInjector(0.3, seed=7), FaultInjector(0.3, seed=8)

    assert _draws(first, "handler_error") == _draws(again, "handler_error")
    assert _draws(first, "handler_error") != _draws(other, "handler_error")


def test_each_kind_draws_from_its_own_sequence_whatever_the_others_do():
    alone, interleaved = FaultInjector(0.3, seed=1), FaultInjector(0.3, seed=1)
    expected = _draws(alone, "batch_crash", 50)

    seen = []
    for _ in range(50):
        interleaved.decide("service_5xx")
        seen.append(interleaved.decide("batch_crash"))
        interleaved.decide("lambda_throttle")

    assert seen == expected


def test_faults_happen_at_about_the_rate_and_are_counted_by_kind():
    injector = FaultInjector(0.1, seed=3)
    hits = sum(_draws(injector, "duplicate_delivery", 5000))

    assert 400 < hits < 600
    assert injector.injected["duplicate_delivery"] == hits
    assert injector.decisions["duplicate_delivery"] == 5000
    assert injector.total() == hits
    assert f"duplicate_delivery {hits} of 5000 decision points" in [" ".join(line.split()) for line in injector.report_lines()]


def test_rate_zero_injects_nothing_and_rate_one_injects_every_time():
    assert not any(_draws(FaultInjector(0.0), "handler_error"))
    assert all(_draws(FaultInjector(1.0), "handler_error"))


def test_kinds_not_chosen_are_never_injected():
    injector = FaultInjector(1.0, kinds=("handler_error",))

    assert not any(_draws(injector, "handler_timeout"))
    assert all(_draws(injector, "handler_error"))
    with pytest.raises(ToolkitError, match="unknown kind"):
        FaultInjector(0.5, kinds=("gremlins",))


@pytest.mark.parametrize("text", ["abc", "", "-0.1", "1.5", "nan", "inf"])
def test_a_rate_that_is_not_a_chance_is_refused_with_the_reason(text):
    with pytest.raises(ToolkitError, match="--faults"):
        parse_rate(text)


def test_a_rate_from_zero_to_one_is_accepted():
    assert parse_rate("0") == 0.0 and parse_rate("0.05") == 0.05 and parse_rate("1") == 1.0


def test_no_faults_unless_enabled(cloud):
    assert cloud.plane.faults is None
    assert faults.active() is None


def test_every_kind_is_listed_in_the_report():
    lines = "\n".join(FaultInjector(0.2, seed=5).report_lines())

    assert all(kind in lines for kind in KINDS)
    assert "rate 0.2, seed 5" in lines

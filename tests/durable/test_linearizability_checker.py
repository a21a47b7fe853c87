"""The checker the concurrency tests rely on: it accepts linearizable histories and rejects the
anomalies the input gate must prevent (a lost update, a stale read, an impossible order)."""

from __future__ import annotations

from linearizability import EMPTY_REGISTER, Op, check, counter, register


def inc(client, result, start, end):
    return Op(client, "inc", 1, result, start, end)


def read(client, result, start, end):
    return Op(client, "read", None, result, start, end)


def test_sequential_counter_history_is_linearizable():
    assert check([inc(0, 1, 0, 1), inc(0, 2, 2, 3), read(0, 2, 4, 5)], counter, 0)


def test_overlapping_operations_may_take_effect_in_either_order():
    # client 1's increment overlaps client 0's and was applied first
    assert check([inc(0, 2, 0, 10), inc(1, 1, 1, 5), read(2, 1, 2, 3)], counter, 0)


def test_lost_update_is_rejected():
    # two increments that both returned 1: one of them was lost
    assert not check([inc(0, 1, 0, 2), inc(1, 1, 1, 3)], counter, 0)


def test_stale_read_is_rejected():
    # the increment completed before the read began, yet the read saw the old value
    assert not check([inc(0, 1, 0, 1), read(1, 0, 2, 3)], counter, 0)


def test_read_running_backwards_is_rejected():
    assert not check([inc(0, 1, 0, 1), inc(0, 2, 2, 3), read(1, 2, 4, 5), read(2, 1, 6, 7)], counter, 0)


def test_unknown_outcome_may_or_may_not_have_taken_effect():
    crashed = Op(3, "inc", 1, None, 0, None)
    assert check([crashed, read(0, 0, 1, 2), inc(1, 1, 3, 4)], counter, 0)  # never applied
    assert check([crashed, read(0, 1, 1, 2), inc(1, 2, 3, 4)], counter, 0)  # applied before the read
    assert not check([crashed, read(0, 2, 1, 2)], counter, 0)  # one crash cannot make two


def test_register_model_accepts_a_legal_history_and_rejects_a_stale_read():
    legal = [Op(0, "write", "a", None, 0, 1), Op(1, "write", "b", None, 0.5, 3), Op(2, "read", None, "a", 2, 4),
             Op(2, "read", None, "b", 5, 6)]
    assert check(legal, register, EMPTY_REGISTER)
    stale = [Op(0, "write", "a", None, 0, 1), Op(1, "write", "b", None, 2, 3), Op(2, "read", None, "a", 4, 5)]
    assert not check(stale, register, EMPTY_REGISTER)


def test_register_model_accepts_reading_the_empty_register_before_any_write_took_effect():
    early = [Op(0, "write", "a", None, 0, 3), Op(1, "read", None, None, 1, 2), Op(1, "read", None, "a", 4, 5)]
    assert check(early, register, EMPTY_REGISTER)
    late = [Op(0, "write", "a", None, 0, 1), Op(1, "read", None, None, 2, 3)]
    assert not check(late, register, EMPTY_REGISTER)


def test_long_concurrent_history_is_checked_quickly():
    # 16 clients, 20 rounds, every round all overlapping: the memo keeps the search small
    history, value = [], 0
    for round_ in range(20):
        for client in range(16):
            value += 1
            history.append(inc(client, value, round_ * 10, round_ * 10 + 5))
    assert check(history, counter, 0)

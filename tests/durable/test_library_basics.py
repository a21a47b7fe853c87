"""Ids, stubs, storage and the output gate of the durable objects library."""

from __future__ import annotations

import pytest
from durable_objects import (InvalidIdError, Request, StorageLimitError, UnknownMethodError,
                             UnserializableValueError)
from objects_under_test import Bag, Counter


def test_id_from_name_is_deterministic_and_per_namespace(namespace):
    counters, bags = namespace(Counter), namespace(Bag)
    assert counters.id_from_name("a") == counters.id_from_name("a")
    assert counters.id_from_name("a").hex != counters.id_from_name("b").hex
    assert counters.id_from_name("a").hex != bags.id_from_name("a").hex


def test_id_from_string_round_trips_and_rejects_bad_ids_clearly(namespace):
    counters, bags = namespace(Counter), namespace(Bag)
    unique = counters.new_unique_id()
    assert counters.id_from_string(str(unique)).hex == unique.hex
    assert unique.hex != counters.new_unique_id().hex
    with pytest.raises(InvalidIdError, match="64 lowercase hex"):
        counters.id_from_string("room-1")
    with pytest.raises(InvalidIdError, match="checksum"):
        counters.id_from_string(unique.hex[:-1] + ("0" if unique.hex[-1] != "0" else "1"))
    with pytest.raises(InvalidIdError, match="not an id of namespace 'Bag'"):
        bags.id_from_string(unique.hex)


def test_stub_methods_and_fetch_run_the_object_with_its_state(namespace):
    counters = namespace(Counter)
    stub = counters.get(counters.id_from_name("hits"))
    assert [stub.increment() for _ in range(3)] == [1, 2, 3]
    assert stub.fetch(Request("POST", "/increment")).body == {"value": 4}
    assert counters.get(counters.id_from_name("hits")).read() == 4
    assert counters.get(counters.id_from_name("other")).read() == 0


def test_unknown_method_and_route_are_clear_errors_and_the_object_stays_healthy(namespace):
    counters = namespace(Counter)
    stub = counters.get(counters.id_from_name("x"))
    stub.increment()
    with pytest.raises(UnknownMethodError, match="Counter has no method 'explode'"):
        stub.explode()
    with pytest.raises(UnknownMethodError):
        stub.call("storage")  # attributes of the base class are not methods of the object
    assert stub.fetch(Request("DELETE", "/nothing")).status == 404
    assert stub.increment() == 2


def test_get_put_delete_one_key_or_many(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("kv"))
    bag.do("put", "a", {"nested": [1, 2]})
    bag.do("put", {"b": 2, "c": "three"})
    assert bag.do("get", "a") == {"nested": [1, 2]}
    assert bag.do("get", ["a", "b", "missing"]) == {"a": {"nested": [1, 2]}, "b": 2}
    assert bag.do("get", "missing", "default") == "default"
    assert bag.do("delete", "a") is True and bag.do("delete", "a") is False
    assert bag.do("delete", ["b", "c", "zzz"]) == 2
    assert bag.do("list") == {}


def test_more_than_128_keys_in_one_call_is_rejected(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("wide"))
    with pytest.raises(StorageLimitError, match="limit is 128"):
        bag.do("get", [f"k{i}" for i in range(129)])


def test_list_with_prefix_start_end_reverse_and_limit(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("list"))
    bag.do("put", {f"user:{i:02}": i for i in range(12)} | {"zeta": 0, "alpha": 0})
    assert list(bag.do("list", prefix="user:", limit=3)) == ["user:00", "user:01", "user:02"]
    assert list(bag.do("list", prefix="user:", reverse=True, limit=2)) == ["user:11", "user:10"]
    assert list(bag.do("list", start="user:05", end="user:08")) == ["user:05", "user:06", "user:07"]
    assert list(bag.do("list", end="user")) == ["alpha"]
    # the request's own buffered writes are listed too (read-your-writes)
    assert bag.many([("put", ["user:03x", 1]), ("delete", ["user:04"]), ("list", [])])[2].keys() >= {"user:03x"}
    assert "user:04" not in bag.do("list")


def test_delete_all_removes_everything_in_one_write(cloud, namespace, table):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("wipe"))
    for chunk in range(3):
        bag.do("put", {f"k{chunk}-{i}": i for i in range(90)})
    bag.many([("delete_all", []), ("put", ["after", 1])])
    assert bag.do("list") == {"after": 1}
    items = cloud.client("dynamodb").scan(TableName=table)["Items"]
    assert sorted(i["sk"]["S"] for i in items if i["sk"]["S"].startswith("v#")) == ["v#1#after"]


def test_oversized_value_is_rejected_before_anything_is_written(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("big"))
    bag.do("put", "kept", 1)
    with pytest.raises(StorageLimitError, match="limit is 131072"):
        bag.many([("put", ["small", 2]), ("put", ["huge", "x" * 140_000])])
    with pytest.raises(UnserializableValueError, match="cannot be stored as JSON"):
        bag.do("put", "weird", {1, 2})
    with pytest.raises(StorageLimitError, match="at most 99 keys"):
        bag.do("put", {f"k{i}": i for i in range(100)})
    assert bag.do("list") == {"kept": 1}


def test_writes_of_a_failed_request_are_discarded_together(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("fail"))
    with pytest.raises(RuntimeError, match="failed after a put"):
        bag.put_then_fail("ghost", 1)
    assert bag.do("get", "ghost") is None
    bag.do("put", "fine", 1)  # the lease was released: the object stays healthy
    assert bag.do("get", "fine") == 1


def test_transaction_is_all_or_nothing(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("bank"))
    bag.do("put", {"alice": 10, "bob": 0})
    bag.transfer("alice", "bob", 4)
    bag.transfer("alice", "bob", 3, fail=True)
    assert bag.do("get", ["alice", "bob"]) == {"alice": 6, "bob": 4}


def test_writes_over_one_transactions_4_mb_fail_the_request_and_write_nothing(namespace):
    bags = namespace(Bag)
    bag = bags.get(bags.id_from_name("heavy"))
    steps = [("put", [f"k{i}", "x" * 120_000]) for i in range(40)]  # 40 x 120 KB: over 4 MB
    with pytest.raises(StorageLimitError, match="at most 4194304"):
        bag.many(steps)
    assert bag.do("list") == {}
    bag.do("put", "after", 1)  # the object stays healthy
    assert bag.do("get", "after") == 1


def test_objects_of_the_same_name_in_two_tables_never_share_cached_values(cloud, namespace, another_table):
    from durable_objects import Namespace
    from objects_under_test import Register

    here = namespace(Register)
    there = Namespace(Register, table=another_table, client=cloud.client("dynamodb"), clock=cloud.clock)
    there.get(there.id_from_name("same")).write("there")  # version 1 in its table
    here.get(here.id_from_name("same")).write("here")  # version 1 in this one, written last
    assert there.get(there.id_from_name("same")).read() == "there"
    assert here.get(here.id_from_name("same")).read() == "here"

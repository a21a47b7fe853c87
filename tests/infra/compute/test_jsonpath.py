"""JSONPath expressions through one shared parser per grammar: jsonpath_ng's answers, each
path parsed once, safe from many threads."""

from __future__ import annotations

import threading

import jsonpath_ng
import jsonpath_ng.ext
import pytest

from infra.compute import jsonpath

DOCUMENT = {"order": {"items": [{"sku": "a", "quantity": 2, "price": 5.0}, {"sku": "b", "quantity": 1, "price": 12.5}],
                      "card": "4000000000000002"}, "approved": True}
PLAIN = ["$", "$.order.card", "$.order.items[0].sku", "$.order.items[*].price", "$..sku", "$.approved"]
EXTENDED = PLAIN + ["$.order.items[?(@.price > 10)].sku", "$.order.items.`len`", "$.order.items[*].quantity"]


def values(expression: object, document: object) -> list[object]:
    return [match.value for match in expression.find(document)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", PLAIN)
def test_plain_paths_find_what_jsonpath_ng_finds(path: str) -> None:
    assert values(jsonpath.parse(path), DOCUMENT) == values(jsonpath_ng.parse(path), DOCUMENT)


@pytest.mark.parametrize("path", EXTENDED)
def test_extended_paths_find_what_jsonpath_ng_ext_finds(path: str) -> None:
    assert values(jsonpath.parse_extended(path), DOCUMENT) == values(jsonpath_ng.ext.parse(path), DOCUMENT)


def test_a_path_is_parsed_once_and_its_expression_reused() -> None:
    assert jsonpath.parse("$.order.items[1]") is jsonpath.parse("$.order.items[1]")
    assert jsonpath.parse_extended("$.order.card") is jsonpath.parse_extended("$.order.card")


def test_a_bad_path_fails_as_jsonpath_ng_fails_and_the_parser_still_works() -> None:
    with pytest.raises(Exception) as ours:
        jsonpath.parse_extended("$.order[")
    with pytest.raises(Exception) as theirs:
        jsonpath_ng.ext.parse("$.order[")

    assert type(ours.value) is type(theirs.value)
    assert values(jsonpath.parse_extended("$.order.items[0].quantity"), DOCUMENT) == [2]


def test_many_threads_parsing_different_paths_get_the_right_expressions() -> None:
    paths = [f"$.order.items[{i % 2}].{field}" for i in range(40) for field in ("sku", "price")]
    found: dict[str, list[object]] = {}
    lock = threading.Lock()

    def parse_all(offset: int) -> None:
        for path in paths[offset::4]:
            result = values(jsonpath.parse_extended(path + " "), DOCUMENT)  # a new string: not cached yet
            with lock:
                found[path] = result

    threads = [threading.Thread(target=parse_all, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert found == {path: values(jsonpath_ng.ext.parse(path), DOCUMENT) for path in paths}

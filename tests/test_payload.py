"""Payloads are read with a bound on their nesting, whatever the caller's stack."""
import json

import pytest

from garcon.payload import MAX_DEPTH, PayloadError, nesting, object_or_empty, parse


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_the_nesting_of_json_does_not_count_brackets_inside_strings():
    assert nesting('{"a": [1, {"b": "[[[["}], "c": "\\"]]]"}') == 3
    assert nesting('"{[" ') == 0
    assert nesting(json.dumps({"items": [{"id": n} for n in range(500)]})) == 3


def test_a_payload_up_to_the_bound_is_read_and_one_level_deeper_is_refused():
    assert parse(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    with pytest.raises(PayloadError, match="nested more than 100 levels deep"):
        parse(nested(MAX_DEPTH + 1))


def test_deep_payloads_of_any_size_are_refused_without_recursion():
    for text in (nested(1_000), "[" * 100_000, '{"a":' * 20_000):
        with pytest.raises(PayloadError):
            parse(text)


def test_many_brackets_that_do_not_nest_are_read():
    text = json.dumps([[n] for n in range(1_000)])
    assert parse(text) == json.loads(text)


def test_text_that_is_not_json_is_still_a_json_error():
    with pytest.raises(json.JSONDecodeError):
        parse("OK from Java")
    assert issubclass(PayloadError, ValueError)


def test_a_string_never_closed_runs_to_the_end():
    assert nesting('"not json ' + "[" * 500) == 0
    with pytest.raises(json.JSONDecodeError):
        parse('"OK ' + "[" * 500)


def test_tools_that_only_look_read_an_object_or_nothing():
    assert object_or_empty('{"country_id": 3}') == {"country_id": 3}
    for text in (None, "", "[1, 2]", "OK from Java", nested(1_000)):
        assert object_or_empty(text) == {}

"""The central's JSON codec: orjson on the hot path, same acceptance as the standard library."""

from __future__ import annotations

import json

import pytest

from pos_central import jsonio


def test_round_trip_keeps_unicode_and_is_compact() -> None:
    value = {"name": "Weißbier €", "n": 3, "items": [1, 2]}
    text = jsonio.dumps(value)
    assert text == '{"name":"Weißbier €","n":3,"items":[1,2]}'
    assert jsonio.loads(text.encode()) == value


@pytest.mark.parametrize("body", [b'{"x": NaN}', b'{"x": Infinity}', b"{", b'{"x": 1,}'])
def test_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - both parsers raise ValueError subclasses
        jsonio.loads(body)


def test_escaped_lone_surrogate_is_accepted_and_kept_escaped() -> None:
    got = jsonio.loads(json.dumps({"note": "\ud800"}).encode())
    assert got == {"note": "\ud800"}
    assert jsonio.dumps(got) == '{"note":"\\ud800"}'


def test_huge_integers_fall_back_to_the_standard_library() -> None:
    assert jsonio.dumps({"n": 2**70}) == f'{{"n":{2**70}}}'

"""Typed records: one list of fields gives a record both its builder and its parser.

A record is a frozen, keyword-only dataclass (``@record``) whose fields are declared with
``spec(kind, ...)``; a field's name is its JSON key. ``to_json()`` writes it; ``parse(value,
where)`` checks a JSON object and builds it, raising ``WireError`` naming the first bad
field. So what the register sends and what the central reads cannot drift apart.

Versioning within v1: a field added later has a default, and a payload without it (from an
older register) parses to that default; ``omit=True`` leaves the field out of the JSON when it
has its default (0, "", None, ()), as the register did before it was typed. A field without a
default is required. Unknown keys are ignored (a newer register's additions).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Self, TypeVar

from pos_protocol._errors import WireError
from pos_protocol.wire import _fields as f

MONEY = 2**62  # amounts: integer minor units of any size the databases hold


class Kind:
    """How one JSON value is checked (``read``: the value at field path ``p``) and written."""

    def read(self, v: Any, p: str) -> Any:
        raise NotImplementedError

    def write(self, v: Any) -> Any:
        return v


@dataclasses.dataclass(frozen=True)
class Text(Kind):
    max_len: int = 200
    choices: tuple[str, ...] = ()  # when set, the only values allowed
    empty: bool = False  # "" allowed (an optional note)

    def read(self, v: Any, p: str) -> str:
        got = f.text_value(v, p, self.max_len, required=not self.empty)
        if self.choices and got not in self.choices:
            raise WireError(p, f"expected {_either(self.choices)}")
        return got


@dataclasses.dataclass(frozen=True)
class Int(Kind):
    lo: int = -f.MAX_QUANTITY
    hi: int = f.MAX_QUANTITY

    def read(self, v: Any, p: str) -> int:
        return f.integer_value(v, p, self.lo, self.hi)


class Bool(Kind):
    def read(self, v: Any, p: str) -> bool:
        return f.flag_value(v, p)


class Time(Kind):
    def read(self, v: Any, p: str) -> str:
        return f.time_value(v, p)


class Uuid(Kind):
    def read(self, v: Any, p: str) -> str:
        return f.uid_value(v, p)


class Object(Kind):
    """A JSON object kept as it is (a count's scope)."""

    def read(self, v: Any, p: str) -> dict[str, Any]:
        return dict(f.obj(v, p))


@dataclasses.dataclass(frozen=True)
class Custom(Kind):
    """A value with a parser and a writer of its own (movements, a catalog product)."""

    parse: Callable[[Any, str], Any]
    dump: Callable[[Any], Any]

    def read(self, v: Any, p: str) -> Any:
        return self.parse(v, p)

    def write(self, v: Any) -> Any:
        return self.dump(v)


@dataclasses.dataclass(frozen=True)
class Many(Kind):
    """A list of records (``of`` a Record class) or of plain values (``of`` a Kind).
    ``by_sku``: a non-empty list of records keyed by ``sku``, each SKU once."""

    of: type[Record] | Kind
    by_sku: bool = False

    def read(self, v: Any, p: str) -> tuple[Any, ...]:
        of = self.of
        if self.by_sku:
            assert isinstance(of, type)
            return tuple(of.parse(ln, w) for w, ln, _ in f.sku_lines(v, p))
        if not isinstance(v, list):
            raise WireError(p, "expected a list")
        if isinstance(of, Kind):
            return tuple(of.read(x, f"{p}[{i}]") for i, x in enumerate(v))
        return tuple(of.parse(x, f"{p}[{i}]") for i, x in enumerate(v))

    def write(self, v: Sequence[Any]) -> list[Any]:
        of = self.of
        if isinstance(of, Kind):
            return [of.write(x) for x in v]
        return [x.to_json() for x in v]


_REQUIRED = dataclasses.MISSING


def spec(kind: Kind, *, default: Any = _REQUIRED, omit: bool = False) -> Any:
    """A record field: its kind, its default (none: required) and whether the JSON leaves it
    out when it has its default."""
    if default is not _REQUIRED and isinstance(kind, Text):
        kind = dataclasses.replace(kind, empty=True)  # an optional text may be sent empty
    meta = {"wire": (kind, omit)}
    if default is _REQUIRED:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


_Spec = tuple[tuple[str, Kind, bool, Any, bool], ...]
_T = TypeVar("_T", bound="Record")


def record(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a wire record: a keyword-only dataclass with slots (fields parse in
    declaration order, so a payload's first bad field is named first) and its ``to_json``.

    Records are values: build them, never change them. They are not frozen because frozen
    dataclasses set every field through ``object.__setattr__``, three times the cost, and a
    sale builds a dozen of them inside its commit."""
    made = dataclasses.dataclass(kw_only=True, slots=True)(cls)
    spec_ = tuple((fd.name, fd.metadata["wire"][0], fd.default is _REQUIRED, fd.default,
                   fd.metadata["wire"][1]) for fd in dataclasses.fields(made))
    made._wire_spec = spec_
    made.to_json = _writer(made.__name__, spec_)  # type: ignore[method-assign]
    return made


def _writer(name: str, spec_: _Spec) -> Callable[[Any], dict[str, Any]]:
    """``to_json`` for one record, written out as one dict display plus a test per omitted
    field (what a hand-written builder does): the sale commit builds these on its hot path."""
    env: dict[str, Any] = {}
    always, optional = [], []
    for i, (field, kind, _, default, omit) in enumerate(spec_):
        if type(kind).write is Kind.write:
            value = f"self.{field}"
        elif isinstance(kind, Many) and not isinstance(kind.of, Kind):
            value = f"[x.to_json() for x in self.{field}]"
        else:
            env[f"w{i}"] = kind.write
            value = f"w{i}(self.{field})"
            if default is None:  # None is written as null, not through the writer
                value = f"(None if self.{field} is None else {value})"
        if omit:
            env[f"d{i}"] = default
            optional.append(f"    if self.{field} != d{i}:\n        out[{field!r}] = {value}\n")
        else:
            always.append(f"{field!r}: {value}")
    src = (f"def to_json(self):\n    out = {{{', '.join(always)}}}\n{''.join(optional)}"
           "    return out\n")
    exec(compile(src, f"<wire record {name}>", "exec"), env)  # text made above, no input
    fn: Callable[[Any], dict[str, Any]] = env["to_json"]
    fn.__doc__ = "The record as JSON (fields with their default and ``omit`` left out)."
    fn.__qualname__ = f"{name}.to_json"
    return fn


class Record:
    """Base of the typed wire records (see the module docstring)."""

    __slots__ = ()
    _wire_spec: ClassVar[_Spec]

    @classmethod
    def _spec(cls) -> _Spec:
        return cls._wire_spec

    def to_json(self) -> dict[str, Any]:  # replaced per record class by ``record``
        raise NotImplementedError

    @classmethod
    def parse(cls, value: Any, where: str = "payload") -> Self:
        o = f.obj(value, where)
        kw: dict[str, Any] = {}
        for name, kind, required, default, _ in cls._spec():
            v = o.get(name)
            kw[name] = default if v is None and not required else kind.read(v, f.path(where, name))
        return cls(**kw)


def _either(choices: Sequence[str]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


class Payload(Record):
    """A typed event payload; ``TYPE`` is the event type it is the payload of."""

    __slots__ = ()
    TYPE: ClassVar[str]

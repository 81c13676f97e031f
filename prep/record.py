"""A small record base for the types on the `prep status` path.

`dataclasses` imports `inspect`, which costs more than the rest of `prep
status` together; these few types only need fields, defaults, equality and a
repr, so they get them here.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Factory:
    """A default made fresh for each record (like dataclasses' default_factory)."""

    __slots__ = ("make",)

    def __init__(self, make: Any) -> None:
        self.make = make


class Record:
    __slots__: tuple[str, ...] = ()
    # name -> default value, or Factory(fn) for a fresh value each time
    _defaults: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} values")
        values = dict(zip(names, args))  # noqa: B905 - fewer values than fields is fine
        for key, value in kwargs.items():
            if key not in names or key in values:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated field {key!r}")
            values[key] = value
        for name in names:
            if name in values:
                value = values[name]
            elif name in self._defaults:
                default = self._defaults[name]
                value = default.make() if isinstance(default, Factory) else default
            else:
                raise TypeError(f"{type(self).__name__}: missing field {name!r}")
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:  # fails, as it should, when a field holds a list
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (dataclasses.replace for records)."""
        return type(self)(**{**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in self.__slots__}

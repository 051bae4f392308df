"""Frozen records: the criteria and the methods' parameters as plain objects.

A record class is declared as a pydantic model would be (annotations, ``Field(…)``,
``field_validator``, ``model_validator``, ``model_config``), and behaves like one:
``Cls.model_validate(data)`` and ``Cls(**data)`` validate, ``model_dump``, ``model_copy``,
``model_fields`` and the rest answer as pydantic's. The pydantic model that validates it is
built from the declaration on first use (:mod:`scoring.core.validator`), so this module and
every record class import without pydantic: importing pydantic and building its models was
about 40 % of a county run's CPU, and a run whose criteria were validated before (the plan
cache, :mod:`scoring.load.plan_cache`) needs neither. ``model_construct`` builds a record from
values already valid, without validating, as pydantic's does.

A record may also declare its fields with pydantic's own ``Field`` and validators (a plugin's
parameters written before records existed): they are handed to pydantic as they are.
"""

from __future__ import annotations

import copy
import sys
from typing import Any, Callable, ClassVar

# Every record class by "module:qualname": the plan cache rebuilds only classes already imported.
RECORDS: dict[str, type[Record]] = {}


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class FieldSpec:
    """What ``Field(…)`` declares: a default (or factory) and pydantic's constraints and texts."""

    __slots__ = ("default", "default_factory", "kwargs")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None, kwargs: dict[str, Any]) -> None:
        self.default, self.default_factory, self.kwargs = default, default_factory, kwargs


def Field(default: Any = REQUIRED, *, default_factory: Callable[[], Any] | None = None, **kwargs: Any) -> Any:
    """A field's default and constraints, as pydantic's ``Field`` takes them (``ge``, ``min_length``,
    ``description``, ``json_schema_extra`` …)."""
    return FieldSpec(default, default_factory, kwargs)


class Validator:
    """A validator declared on a record: handed to pydantic's decorator of the same name."""

    __slots__ = ("kind", "fields", "mode", "func")

    def __init__(self, kind: str, fields: tuple[str, ...], mode: str, func: Any) -> None:
        self.kind, self.fields, self.mode, self.func = kind, fields, mode, func


def field_validator(*fields: str, mode: str = "after") -> Callable[[Any], Any]:
    """pydantic's ``field_validator`` for a record: checks (or changes) the named fields' values."""
    return lambda func: Validator("field", fields, mode, func)


def model_validator(*, mode: str) -> Callable[[Any], Any]:
    """pydantic's ``model_validator`` for a record: checks the fields together (``mode="after"``)."""
    return lambda func: Validator("model", (), mode, func)


def _default_of(value: Any) -> tuple[Any, Callable[[], Any] | None]:
    """(default, factory) of a field's declared value: ours, pydantic's FieldInfo, or a plain default."""
    if isinstance(value, FieldSpec):
        return value.default, value.default_factory
    if type(value).__name__ == "FieldInfo":  # pydantic's Field, in a plugin's parameters
        default = value.default
        return (REQUIRED if type(default).__name__ == "PydanticUndefinedType" else default), value.default_factory
    return value, None


_TYPES: dict[type, dict[str, Any]] = {}


def field_types(cls: type[Record]) -> dict[str, Any]:
    """Each field's declared type, resolved (annotations are text under ``from __future__ import annotations``):
    names from the class's module and the classes declared inside it and its bases."""
    types = _TYPES.get(cls)
    if types is None:
        module = sys.modules[cls.__module__].__dict__
        local = {k: v for base in reversed(cls.__mro__) for k, v in vars(base).items() if isinstance(v, type)}  # classes declared inside
        types = _TYPES[cls] = {
            name: eval(annotation, module, local) if isinstance(annotation, str) else annotation  # noqa: S307 - the class's own source
            for name, (annotation, _, _) in cls.record_fields.items()
        }
    return types


class RecordMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]):
        cls = super().__new__(mcs, name, bases, ns)
        fields: dict[str, tuple[Any, Any, Callable[[], Any] | None]] = {}  # name -> (annotation, default, factory)
        for base in reversed(cls.__mro__):
            for field, annotation in base.__dict__.get("__annotations__", {}).items():
                if field.startswith("_") or (isinstance(annotation, str) and annotation.startswith("ClassVar")):
                    continue
                fields[field] = (annotation, *_default_of(base.__dict__.get(field, REQUIRED)))
        cls.record_fields = fields  # type: ignore[attr-defined]  # declared on Record
        RECORDS[f"{cls.__module__}:{cls.__qualname__}"] = cls  # type: ignore[assignment]
        return cls

    def __getattr__(cls, name: str) -> Any:
        # model_fields, model_json_schema …: answered by the pydantic model built from the declaration
        if name.startswith("model_"):
            from .validator import pydantic_model

            return getattr(pydantic_model(cls), name)  # type: ignore[arg-type]
        raise AttributeError(name)


class Record(metaclass=RecordMeta):
    """Base of the criteria's models and of the methods' parameters."""

    record_fields: ClassVar[dict[str, tuple[Any, Any, Callable[[], Any] | None]]]  # name -> (annotation, default, factory)

    def __init__(self, **data: Any) -> None:  # validates, as a pydantic model's constructor does
        from .validator import validated

        self.__dict__.update(validated(type(self), data).__dict__)

    @classmethod
    def model_validate(cls, data: Any):
        """``data`` validated: a record, or pydantic's ``ValidationError`` naming every problem."""
        from .validator import validated

        return validated(cls, data)

    @classmethod
    def model_construct(cls, **values: Any):
        """A record from values already valid (not checked); fields left out take their defaults."""
        obj = object.__new__(cls)
        d = obj.__dict__
        for name, (_, default, factory) in cls.record_fields.items():
            if name in values:
                d[name] = values[name]
            elif factory is not None:
                d[name] = factory()
            elif default is not REQUIRED:
                d[name] = default.copy() if isinstance(default, (list, dict)) else default
        return obj

    def model_copy(self, update: dict[str, Any] | None = None, deep: bool = False):
        """A copy, with the fields in ``update`` replaced (not validated, as pydantic's); ``deep``: every
        list, dict and record inside copied too, so the copy shares nothing with the original."""
        obj = object.__new__(type(self))
        obj.__dict__.update(copy.deepcopy(self.__dict__) if deep else self.__dict__)
        if update:
            obj.__dict__.update(update)
        return obj

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        if mode == "json":  # pydantic writes each value as its declared type does (0 in a float field: 0.0)
            from .validator import as_model

            return as_model(self).model_dump(mode="json")
        return {k: _dump(v) for k, v in self.__dict__.items()}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: {name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()) + ")"


def _dump(v: Any) -> Any:
    if isinstance(v, Record):
        return v.model_dump()
    if isinstance(v, dict):
        return {k: _dump(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_dump(x) for x in v)
    return v

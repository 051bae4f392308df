"""The pydantic model of each record class, built from its declaration on first use.

The model has the record's fields, annotations (records in them replaced by their own
models), defaults, constraints, validators and ``model_config``: it validates exactly as the
class statement would have as a pydantic model, with pydantic's errors and locations. What
it returns is turned into records.
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from typing import Any

import pydantic

from .record import REQUIRED, FieldSpec, Record, Validator, field_types

_MODELS: dict[type, type[pydantic.BaseModel]] = {}
_RECORD_OF: dict[type, type[Record]] = {}


def pydantic_model(cls: type[Record]) -> type[pydantic.BaseModel]:
    model = _MODELS.get(cls)
    if model is None:
        model = _MODELS[cls] = _build(cls)
        _RECORD_OF[model] = cls
    return model


def validated(cls: type[Record], data: Any) -> Any:
    """``data`` validated by ``cls``'s model, as a record (pydantic's ValidationError otherwise)."""
    return as_record(pydantic_model(cls).model_validate(data))


def as_record(v: Any) -> Any:
    cls = _RECORD_OF.get(type(v))
    if cls is not None:
        values = v.__dict__
        return cls.model_construct(**{k: as_record(values[k]) for k in cls.record_fields if k in values})
    if isinstance(v, list):
        return [as_record(x) for x in v]
    if isinstance(v, tuple):
        return tuple(as_record(x) for x in v)
    if isinstance(v, dict):
        return {k: as_record(x) for k, x in v.items()}
    return v


def as_model(v: Any) -> Any:
    """A record (and the records in it) as its pydantic model, not validated again: for pydantic's own
    serialisation (``model_dump(mode="json")``)."""
    if isinstance(v, Record):
        return pydantic_model(type(v)).model_construct(**{k: as_model(x) for k, x in v.__dict__.items()})
    if isinstance(v, (list, tuple)):
        return type(v)(as_model(x) for x in v)
    if isinstance(v, dict):
        return {k: as_model(x) for k, x in v.items()}
    return v


def _build(cls: type[Record]) -> type[pydantic.BaseModel]:
    config: dict[str, Any] = {}
    ns: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__, "__annotations__": {}}
    for base in reversed(cls.__mro__):
        config.update(base.__dict__.get("model_config", {}))
        for name, value in base.__dict__.items():
            if isinstance(value, Validator):
                make: Any = pydantic.field_validator if value.kind == "field" else pydantic.model_validator
                ns[name] = (make(*value.fields, mode=value.mode) if value.kind == "field" else make(mode=value.mode))(value.func)
            elif hasattr(value, "decorator_info"):  # pydantic's own validator, in a plugin's parameters
                ns[name] = value
            elif base not in (Record, object) and not name.startswith("__") and name not in cls.record_fields and _behaviour(value):
                ns[name] = value  # the class's own methods and properties: a validator may call them
    for name, tp in field_types(cls).items():
        value = next((base.__dict__[name] for base in cls.__mro__ if name in base.__dict__), REQUIRED)
        ns["__annotations__"][name] = _swap(tp)
        if isinstance(value, FieldSpec):
            given: dict[str, Any] = {} if value.default is REQUIRED else {"default": value.default}
            if value.default_factory is not None:
                given["default_factory"] = value.default_factory
            ns[name] = pydantic.Field(**given, **value.kwargs)
        elif value is not REQUIRED:
            ns[name] = value
    ns["model_config"] = pydantic.ConfigDict(**config)  # type: ignore[typeddict-item]
    return types.new_class(cls.__name__, (pydantic.BaseModel,), exec_body=lambda body: body.update(ns))


def _behaviour(value: Any) -> bool:
    return isinstance(value, (types.FunctionType, property, staticmethod, classmethod))


def _swap(tp: Any) -> Any:
    """An annotation with every record class in it replaced by its pydantic model."""
    if isinstance(tp, type) and issubclass(tp, Record):
        return pydantic_model(tp)
    args = typing.get_args(tp)
    if not args:
        return tp
    new = tuple(_swap(a) for a in args)
    if all(a is b for a, b in zip(args, new)):
        return tp
    origin = typing.get_origin(tp)
    if origin is types.UnionType:
        return functools.reduce(operator.or_, new)
    if origin is typing.Union:
        return typing.Union[new]
    if isinstance(tp, types.GenericAlias):
        return types.GenericAlias(origin, new)
    return tp.copy_with(new)

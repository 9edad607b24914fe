"""shapes.fields() reads stripe-python's annotations the way Python 3.14 stores them (PEP 649/749,
lazily, not in the class dict) and finds exactly what it found before on 3.11."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import pytest
import stripe

from helpers.emulator import shapes


def old_fields(cls: type) -> dict[str, str]:
    """The reader before this change (it read `vars(klass)["__annotations__"]`): the reference."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("stripe.") and klass.__name__ not in (
                "StripeObject", "APIResource"):
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                text = annotation if isinstance(annotation, str) else repr(annotation)
                if not name.startswith("_") and not name.isupper() and "ClassVar" not in text:
                    found[name] = text
    return found


def every_stripe_class() -> list[type]:
    """Every class stripe-python defines, inner object classes (Charge.Outcome…) included."""
    for module in pkgutil.walk_packages(stripe.__path__, "stripe."):
        importlib.import_module(module.name)
    seen: dict[int, type] = {}
    pending = [value for name, module in list(sys.modules.items())
               if name.startswith("stripe.") and module is not None
               for value in list(vars(module).values()) if isinstance(value, type)]
    while pending:
        cls = pending.pop()
        if id(cls) in seen or not cls.__module__.startswith("stripe."):
            continue
        seen[id(cls)] = cls
        pending.extend(v for v in list(vars(cls).values()) if isinstance(v, type))
    return list(seen.values())


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="the old reader finds nothing on 3.14")
def test_the_new_reader_finds_what_the_old_one_did_for_every_stripe_class() -> None:
    classes = every_stripe_class()
    assert len(classes) > 2000  # the whole library, not a handful
    with_fields = 0
    for cls in classes:
        assert shapes.fields.__wrapped__(cls) == old_fields(cls), cls.__qualname__
        with_fields += bool(old_fields(cls))
    assert with_fields > 2000


def lazily_annotated() -> type:
    """A class whose annotations are not in `vars(cls)`, as Python 3.14 keeps every class's.

    On 3.14 that is any annotated class. Before 3.14 it is simulated the way 3.14 does it:
    the class holds an `__annotate__(format)` function and the type's `__annotations__`
    descriptor (here the metaclass's) calls it when asked.
    """
    if sys.version_info >= (3, 14):
        class Lazy:
            __module__ = "stripe.simulated"
            amount: int
            currency: str
            description: Any | None
        return Lazy

    class LazyAnnotations(type):
        @property
        def __annotations__(cls) -> dict[str, Any]:
            return cls.__annotate__(1)  # 1 = annotationlib.Format.VALUE

    class Lazy(metaclass=LazyAnnotations):
        __module__ = "stripe.simulated"

        def __annotate__(format: int) -> dict[str, Any]:  # noqa: N805 (3.14's signature)
            return {"amount": int, "currency": str, "description": "Optional[str]"}
    return Lazy


def test_annotations_outside_the_class_dict_are_found() -> None:
    lazy = lazily_annotated()
    assert "__annotations__" not in vars(lazy)
    assert old_fields(lazy) == {}  # what the old reader got for 2,377 classes on 3.14
    found = shapes.fields.__wrapped__(lazy)
    assert set(found) == {"amount", "currency", "description"}
    assert found["amount"] == repr(int)


def test_each_class_gives_its_own_annotations_only() -> None:
    """fields() walks the MRO itself: a subclass must not bring its base's fields again."""
    class Base:
        amount: int

    class Child(Base):
        pass

    assert shapes.own_annotations(Base) == {"amount": "int"}  # strings: future annotations
    assert shapes.own_annotations(Child) == {}

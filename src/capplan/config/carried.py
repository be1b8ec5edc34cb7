"""What an input value may be so that the solver and summary.json can carry it.

The schema's base classes inherit :class:`_Carried`: one validator over every field of
every input file, so no field can be forgotten (docs/reliability.md, "Limits on input").
Plausible ranges of particular fields are a separate matter; these are hard limits.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field, ValidationInfo, field_validator

# a file or folder name: no NUL or control characters, and no part of the path longer than
# a file system allows (255 characters); paths are checked where they enter
PathText = Annotated[
    str,
    Field(min_length=1, max_length=4096, pattern=r"^(?:[^\x00-\x1f/]{0,255}(?:/|$))+$"),
]
# a run folder name: one plain name, so outputs/<name> stays inside outputs/
RunName = Annotated[
    str, Field(min_length=1, max_length=80, pattern=r"^[^./\\\x00-\x1f][^/\\\x00-\x1f]*$")
]

#: Largest magnitude of any number in an input file (what the solver's doubles carry
#: with room for the products the model forms); classes raise it per field in ``_limits``.
MAX_MAGNITUDE = 1e15
#: Whole numbers (seeds, pod sizes, thread counts) must fit in a signed 32-bit integer.
MAX_INT = 2**31 - 1


def _largest(value: Any) -> float | None:
    """The largest magnitude of the numbers in ``value`` (through lists and mappings)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return abs(float(value))
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    found = [m for m in (_largest(v) for v in items) if m is not None]
    return max(found) if found else None


class _Carried(BaseModel):
    """Every number must be one the solver and summary.json can carry: at most
    MAX_MAGNITUDE (or the field's ``_limits`` entry) in magnitude, whole numbers within
    MAX_INT.  One check for every field, so no field can be forgotten."""

    _limits: ClassVar[dict[str, float]] = {}

    @field_validator("*", mode="after")
    @classmethod
    def _carried(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise ValueError(f"a whole number of at most {MAX_INT:,} (32 bits)")
        largest = _largest(value)
        limit = cls._limits.get(info.field_name or "", MAX_MAGNITUDE)
        if largest is not None and largest > limit:
            raise ValueError(
                f"a number of magnitude at most {limit:g} (larger ones are beyond what the "
                "solver can use exactly)"
            )
        return value

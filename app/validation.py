"""Field-by-field cleaning shared by web forms and the command line: one set of rules.

A spec maps a field name to a cleaner; `clean()` runs all of them and returns the cleaned
values and the Japanese error per field, so the caller can keep what was typed."""
from collections.abc import Callable, Mapping
from typing import Any

from app.japan import JapanInputError

Cleaner = Callable[[Any], Any]


def clean(raw: Mapping[str, Any], spec: Mapping[str, Cleaner]) -> tuple[dict, dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, cleaner in spec.items():
        try:
            values[field] = cleaner(raw.get(field))
        except JapanInputError as exc:
            errors[field] = str(exc)
    return values, errors


def optional(cleaner: Cleaner, empty: Any = "") -> Cleaner:
    """Blank input is allowed and stored as `empty`."""

    def run(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip(" \u3000")):
            return empty
        return cleaner(value)

    return run


def as_text(value: Any) -> str:
    return "" if value is None else str(value)

"""A small TOML writer for scenario data (the standard library reads TOML but does not
write it): what ``quartier town`` and the dashboard's "save session" write."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_toml"]


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for scenario data: plain keys first, then tables, then arrays of
    tables (the layout the library's files use). ``float`` uses ``repr``, which round-trips."""
    plain, tables, arrays = [], [], []
    for key, value in data.items():
        name = f"{prefix}{_toml_key(key)}"
        if isinstance(value, dict) and key != "set":
            tables.append((name, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((name, value))
        else:
            plain.append(f"{_toml_key(key)} = {_toml_value(value)}")
    out = "\n".join(plain) + ("\n" if plain else "")
    for name, table in tables:
        body = to_toml(table, f"{name}.")
        out += f"\n[{name}]\n{body}"
    for name, items in arrays:
        for item in items:
            out += f"\n[[{name}]]\n{to_toml(item, f'{name}.')}"
    return out

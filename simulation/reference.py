"""The scenario and experiment file references, generated from the schemas.

``python -m simulation.reference`` rewrites ``docs/reference/scenario.md`` and
``docs/reference/experiment.md``; a test fails when the committed files differ from what the
schemas say, so the reference cannot drift from the code.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from .experiments.design import Experiment
from .scenario import SHOCK_CLASSES, Scenario, format_bounds

__all__ = ["render_reference", "write_reference", "REFERENCE_FILES"]

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_FILES = {
    "scenario.md": (Scenario, "Scenario files (`scenarios/*.toml`)"),
    "experiment.md": (Experiment, "Experiment files (`experiments/*.toml`)"),
}


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a!r}`" for a in args)
    if origin in (list, dict):
        inner = ", ".join(_type_name(a) for a in args)
        return f"{origin.__name__}[{inner}]"
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Union or str(origin) == "types.UnionType" or (origin is not None and "Union" in str(origin)):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + (" or none" if type(None) in args else "")
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _default(info) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(table)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return f"({len(value)} entries)"
    text = repr(value)
    return f"`{text}`" if len(text) < 60 else f"`{text[:57]}...`"


def _submodel(annotation) -> type[BaseModel] | None:
    for cand in (annotation, *typing.get_args(annotation)):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _rows(model: type[BaseModel], prefix: str, out: list[str]) -> None:
    nested = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        sub = _submodel(info.annotation)
        kind = _type_name(info.annotation) if sub is None else ("table" if typing.get_origin(info.annotation) is None else _type_name(info.annotation))
        description = (info.description or "").replace("|", "\\|")
        out.append(f"| `{key}` | {kind} | {_default(info)} | {format_bounds(info) or ''} | {description} |")
        if sub is not None:
            nested.append((key, info.annotation, sub))
    for key, annotation, sub in nested:
        origin = typing.get_origin(annotation)
        if origin is list:
            _rows(sub, f"{key}[].", out)
        elif origin is dict:
            _rows(sub, f"{key}.<key>.", out)
        else:
            _rows(sub, f"{key}.", out)


HEADER = "| key | type | default | range | meaning |\n|---|---|---|---|---|"


def render_reference(name: str) -> str:
    model, title = REFERENCE_FILES[name]
    lines = [f"# {title}", "", "Generated from the schema by `python -m simulation.reference`; do not edit by hand.",
             "Keys are dotted paths into the TOML file; `[]` marks an entry of an array of tables.", "", HEADER]
    _rows(model, "", lines)
    if model is Scenario:
        lines += ["", "## Shocks (`[[shocks]]`)", "", "Every shock has `kind`, `day` and `district` (optional); "
                  "the other keys depend on its kind.", ""]
        for kind, cls in SHOCK_CLASSES.items():
            lines += [f"### `{kind}`", "", HEADER]
            _rows(cls, "shocks[].", lines)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_reference(folder: Path = ROOT / "docs" / "reference") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in REFERENCE_FILES:
        path = folder / name
        path.write_text(render_reference(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_reference(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "reference"):
        print(path)

"""A job's function, arguments and answer as JSON: what the queue runner (``core.jobs.queue``) stores in PostgreSQL.

The local pool pickles, between processes of one server. A queue's rows are read by every worker of every machine,
so nothing there is ever unpickled: a function travels as its name (``module:name``) and is imported only from the
modules a worker allows (``resolve``); values travel as plain JSON with a few tagged shapes: our dataclasses (of
``core.`` modules only, rebuilt through their constructor: a ``Dataset``, a ``TrainConfig``, a ``Viewer``, an
``UploadedFile``), enums, NumPy arrays (base64 of their bytes, never of dtype ``object``), bytes, paths, tuples,
non-finite floats (PostgreSQL's ``jsonb`` has no NaN), dicts whose keys are not strings, ``Counter``s, and a trained
``GestureClassifier`` (its ``model.json`` and safetensors weights, read back by ``GestureClassifier.load``, which
checks every field and shape: a training's answer and a measuring's argument). Anything else (another torch model,
a lambda) is refused in one line naming it, when the job is sent.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import importlib
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import Any

import numpy as np

# the modules whose functions any worker runs: the job functions the pages and the command line share
TASK_MODULES = ("core.jobs.tasks", "core.jobs.model_tasks", "core.jobs.sample_tasks")
_CLASS_PREFIX = "core."  # a dataclass or enum is rebuilt only from a module of handteach's engine


class WireError(ValueError):
    """A value that cannot travel as JSON, or a stored value that does not decode to what it names."""


def fn_name(fn: Callable[..., Any]) -> str:
    """``module:name`` of a module-level function (what a worker imports)."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or not name or "<" in name or "." in name:
        raise WireError(f"a job function must be a module-level function, got {fn!r}")
    return f"{module}:{name}"


def resolve(name: str, allowed: Iterable[str]) -> Callable[..., Any]:
    """The function ``module:name`` when its module is one of ``allowed``; ``WireError`` otherwise (nothing is
    imported for a name outside them)."""
    module, _, attr = name.partition(":")
    if module not in set(allowed) or not attr.isidentifier():
        raise WireError(f"this worker does not run jobs of {name!r}")
    fn = getattr(importlib.import_module(module), attr, None)
    if not callable(fn):
        raise WireError(f"{name!r} is not a function")
    return fn


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(name: str) -> type:
    module, _, qualname = name.partition(":")
    if not module.startswith(_CLASS_PREFIX) or not all(part.isidentifier() for part in qualname.split(".")):
        raise WireError(f"a stored value names a class outside handteach: {name!r}")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if not isinstance(found, type):
        raise WireError(f"a stored value names no class: {name!r}")
    return found


def encode(value: Any) -> Any:  # noqa: ANN401 - any value a job takes or gives
    """``value`` as JSON-ready data (see the module docstring); ``WireError`` naming what cannot travel."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$f": repr(value)}
    if isinstance(value, enum.Enum):
        return {"$enum": _class_name(type(value)), "v": encode(value.value)}
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise WireError("an array of Python objects cannot travel as JSON")
        data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()
        return {"$nd": data, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$dc": _class_name(type(value)), "f": fields}
    if isinstance(value, (list, tuple)):
        items = [encode(v) for v in value]
        return items if isinstance(value, list) else {"$t": items}
    if isinstance(value, Counter):  # an import's rejected frames by reason: still a Counter on the page
        return {"$counter": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if type(value).__name__ == "GestureClassifier" and type(value).__module__ == _MODEL_MODULE:
        return {"$model": _model_files(value)}
    raise WireError(f"a {type(value).__name__} cannot travel as JSON to a worker on another machine")


_MODEL_MODULE = "core.gestures.classifier"


def _model_files(model: Any) -> dict[str, str]:  # noqa: ANN401 - a GestureClassifier (torch imported only then)
    """The files ``GestureClassifier.save`` writes, as base64."""
    with tempfile.TemporaryDirectory(prefix="handteach-wire-") as folder:
        model.save(folder)
        return {p.name: base64.b64encode(p.read_bytes()).decode() for p in Path(folder).iterdir() if p.is_file()}


def _model(files: dict[str, str]) -> Any:  # noqa: ANN401
    """A ``GestureClassifier`` from ``_model_files``'s files, loaded (and checked) as from its folder."""
    from core.gestures.classifier import GestureClassifier

    with tempfile.TemporaryDirectory(prefix="handteach-wire-") as folder:
        for name, data in files.items():
            if Path(name).name != name or not name.startswith("model"):
                raise WireError(f"a stored model names an odd file: {name!r}")
            (Path(folder) / name).write_bytes(base64.b64decode(data, validate=True))
        return GestureClassifier.load(folder)


def decode(data: Any) -> Any:  # noqa: ANN401 - the JSON ``encode`` made
    """The value ``encode`` made ``data`` of; ``WireError`` for a tag it does not know or a class outside ``core``."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$f" in data:
        return float(data["$f"])
    if "$enum" in data:
        cls = _class(data["$enum"])
        if not issubclass(cls, enum.Enum):
            raise WireError(f"{data['$enum']!r} is not an enum")
        return cls(decode(data["v"]))
    if "$nd" in data:
        dtype = np.dtype(data["dtype"])
        if dtype.hasobject:
            raise WireError("a stored array of Python objects")
        raw = base64.b64decode(data["$nd"], validate=True)
        return np.frombuffer(raw, dtype=dtype).reshape(data["shape"]).copy()
    if "$b" in data:
        return base64.b64decode(data["$b"], validate=True)
    if "$path" in data:
        return Path(data["$path"])
    if "$dc" in data:
        cls = _class(data["$dc"])
        if not dataclasses.is_dataclass(cls):
            raise WireError(f"{data['$dc']!r} is not a dataclass")
        return cls(**{k: decode(v) for k, v in data["f"].items()})
    if "$model" in data:
        return _model(data["$model"])
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$counter" in data:
        return Counter({_key(decode(k)): decode(v) for k, v in data["$counter"]})
    if "$map" in data:
        return {_key(decode(k)): decode(v) for k, v in data["$map"]}
    return {k: decode(v) for k, v in data.items()}


def _key(key: Any) -> Any:  # noqa: ANN401
    return tuple(key) if isinstance(key, list) else key  # a tuple key came back a list only if nested oddly

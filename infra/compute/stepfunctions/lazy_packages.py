"""moto packages the Step Functions interpreter imports for one small name, made lazy.

moto's interpreter imports every service integration when it loads; its AWS Batch integration
needs only ``moto.batch.utils.JobStatus`` (an enum), but importing ``moto.batch.utils`` first runs
``moto/batch/__init__.py``, which imports Batch's backend and with it all of moto's EC2 (about
0.6 s of CPU on the machine the README quotes), which no pattern's workflow uses.

``defer_package_init("moto.batch")`` puts the package in ``sys.modules`` without running its
``__init__``: its submodules import as usual (``moto.batch.utils``), and the first time anyone
asks the package for a name it does not have yet (``batch_backends``, as moto's backend lookup
and ``from moto.batch import ...`` do) the ``__init__`` runs, once, and the name is answered.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

DEFERRED = ("moto.batch",)


def defer_package_init(name: str) -> bool:
    """Registers ``name`` with its ``__init__`` deferred; False when it is already imported or absent."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    module = importlib.util.module_from_spec(spec)
    lock = threading.RLock()
    state = {"initialised": False}

    def __getattr__(attribute: str) -> Any:
        with lock:
            if not state["initialised"]:
                state["initialised"] = True
                del module.__dict__["__getattr__"]  # the package's own names from now on
                spec.loader.exec_module(module)  # type: ignore[union-attr]
        try:
            return module.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return True


def is_deferred(module: ModuleType) -> bool:
    """True while the package's ``__init__`` has not run."""
    return "__getattr__" in module.__dict__ and module.__dict__["__getattr__"].__qualname__.startswith(
        "defer_package_init")


def install() -> None:
    for name in DEFERRED:
        defer_package_init(name)

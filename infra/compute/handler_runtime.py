"""The one seam between the compute plane and handler-side code: the clock handlers read.

Handlers and their libraries (functions/shared/) take the time and their AWS clients from
``aws_runtime`` (functions/shared/aws_runtime), imported by that one name as on Lambda, where the
package ships in the function's zip (listed in its ``shared.txt``). That module knows nothing of
the toolkit: it reads ``time.time`` unless a host installs a clock with ``aws_runtime.use_clock``.

The compute plane does so here, when it becomes active in this process, and takes the clock back
when it closes (``provide_clock`` / ``withdraw_clock``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from infra.compute.clock import Clock

MODULE = "aws_runtime"
SOURCE = Path(__file__).resolve().parents[2] / "functions" / "shared" / MODULE / "__init__.py"


def handler_module() -> ModuleType:
    """``aws_runtime`` as handlers in this process import it: the one already imported (from a
    function's code or the test path), else loaded from functions/shared under that name."""
    loaded = sys.modules.get(MODULE)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(MODULE, SOURCE, submodule_search_locations=[str(SOURCE.parent)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module
    spec.loader.exec_module(module)
    return module


def provide_clock(clock: Clock) -> None:
    """Handlers in this process read ``clock`` (the active compute plane's)."""
    handler_module().use_clock(clock.now)


def withdraw_clock(clock: Clock) -> None:
    """Handlers go back to ``time.time``, unless another clock than ``clock`` was provided since."""
    module = handler_module()
    if module.clock_in_use() == clock.now:
        module.use_clock(None)

"""moto's Batch package, deferred for the Step Functions interpreter: its submodules import, and
the package initialises the first time anything asks it for a name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def run(script: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_interpreter_loads_without_moto_batch_or_ec2_initialised() -> None:
    printed = run("""
import sys
from infra.compute.stepfunctions import lazy_packages
lazy_packages.install()
import moto.stepfunctions.parser.models
print("moto.ec2" in sys.modules, lazy_packages.is_deferred(sys.modules["moto.batch"]))
""")
    assert printed == ["False", "True"]


def test_asking_the_package_for_a_name_initialises_it_once() -> None:
    printed = run("""
import sys
from infra.compute.stepfunctions import lazy_packages
print(lazy_packages.defer_package_init("moto.batch"), lazy_packages.defer_package_init("moto.batch"))
from moto.batch.utils import JobStatus
from moto.backends import get_backend
backends = get_backend("batch")
from moto.batch import batch_backends
import moto.batch
print(backends is batch_backends is moto.batch.batch_backends, lazy_packages.is_deferred(moto.batch))
print(JobStatus is moto.batch.utils.JobStatus, "moto.ec2" in sys.modules)
""")
    assert printed == ["True", "False", "True", "False", "True", "True"]


def test_a_name_the_package_does_not_have_is_an_attribute_error() -> None:
    printed = run("""
from infra.compute.stepfunctions import lazy_packages
lazy_packages.defer_package_init("moto.batch")
import moto.batch
try:
    moto.batch.no_such_name
except AttributeError as exc:
    print(type(exc).__name__, hasattr(moto.batch, "batch_backends"))
""")
    assert printed == ["AttributeError", "True"]


def test_a_package_already_imported_or_absent_is_left_alone() -> None:
    printed = run("""
import moto.batch
from infra.compute.stepfunctions import lazy_packages
print(lazy_packages.defer_package_init("moto.batch"), lazy_packages.defer_package_init("moto.no_such_service"))
""")
    assert printed == ["False", "False"]

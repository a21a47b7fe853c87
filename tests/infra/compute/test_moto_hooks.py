"""moto's hooks install and uninstall: after ``uninstall()`` moto, botocore and boto3 are as they ship."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from infra.compute import moto_hooks
from infra.compute.moto_hooks import patches

ROOT = Path(__file__).resolve().parents[3]

# In a fresh interpreter: every module the hooks touch is imported first (the Step Functions
# interpreter too, which they hook when it loads), the attributes of those modules and of their
# classes are noted, then the hooks go in and out; what differs afterwards is printed.
_ROUND_TRIP = textwrap.dedent("""
    import importlib, inspect, json, sys
    from infra.compute import moto_hooks
    from infra.compute.moto_hooks import patches

    for name in json.loads(sys.argv[1]):
        importlib.import_module(name)
    importlib.import_module("moto.stepfunctions.parser.models")

    def snapshot():
        seen = {}
        for name, module in list(sys.modules.items()):
            if module is None or not name.split(".")[0] in ("moto", "botocore", "boto3"):
                continue
            seen[name] = dict(vars(module))
            for cls_name, cls in list(vars(module).items()):
                if inspect.isclass(cls) and getattr(cls, "__module__", None) == name:
                    seen[f"{name}.{cls_name}"] = dict(vars(cls))
        return seen

    def differences(before, after):
        changed = []
        for owner, attrs in before.items():
            now = after.get(owner, {})
            changed += [f"{owner}.{key}" for key in set(attrs) | set(now)
                        if key not in ("__dict__", "__weakref__") and attrs.get(key, None) is not now.get(key, None)
                        and not (key not in attrs and inspect.ismodule(now[key]))]  # a submodule loaded since
        return sorted(changed)

    stock = snapshot()
    moto_hooks.install()
    patched = len(patches.applied())
    hooked = differences(stock, snapshot())
    moto_hooks.uninstall()
    print(json.dumps({"patched": patched, "hooked": len(hooked), "left": differences(stock, snapshot()),
                      "installed": moto_hooks.installed()}))
""")


def _modules_install_imports() -> list[str]:
    probe = ("import json, sys\nfrom infra.compute import moto_hooks\nmoto_hooks.install()\n"
             "print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in ('moto', 'botocore', 'boto3'))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_uninstall_puts_back_every_attribute_the_hooks_replaced():
    modules = _modules_install_imports()
    done = subprocess.run([sys.executable, "-c", _ROUND_TRIP, json.dumps(modules)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["patched"] > 40 and outcome["hooked"] > 40  # the snapshot sees what the hooks change ...
    assert outcome["left"] == [] and outcome["installed"] is False  # ... and none of it is left


def test_uninstalled_hooks_leave_sqs_on_the_wall_clock_and_reinstalled_ones_on_the_planes_clock(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName="hooked")["QueueUrl"]
    cloud.clock.advance(86_400.0)  # a day ahead of the wall clock

    def sent_at() -> float:
        sqs.send_message(QueueUrl=url, MessageBody="x")
        message = sqs.receive_message(QueueUrl=url, AttributeNames=["SentTimestamp"])["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return int(message["Attributes"]["SentTimestamp"]) / 1000.0

    assert abs(sent_at() - cloud.clock.now()) < 5
    moto_hooks.uninstall()
    try:
        assert not moto_hooks.installed() and patches.applied() == []
        assert cloud.clock.now() - sent_at() > 86_000  # moto's own time: the wall clock
    finally:
        moto_hooks.install()
    assert abs(sent_at() - cloud.clock.now()) < 5


def test_install_twice_patches_once():
    moto_hooks.install()
    before = patches.applied()
    moto_hooks.install()
    assert patches.applied() == before

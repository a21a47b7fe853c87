"""Where moto shortcuts or fakes a behaviour, hand it to the compute plane (moto 5.2.5 is pinned).

One module per concern, each installing its patches through ``patches`` so that ``uninstall()``
puts moto back as it ships:

- ``lambda_``: invocations run the real handler; asynchronous Invoke is queued;
- ``s3``, ``sns``: event records as AWS sends them, delivered as asynchronous invocations;
- ``sqs``: the plane's clock, FIFO groups resuming in order;
- ``dynamodb``: serialized requests (atomic conditional writes), cheap transactions and queries;
- ``websocket``: the management API reaches the WebSocket front door's real sockets;
- ``iam``: AWS managed policies loaded on demand;
- ``dispatch``, ``speed``: the per-request work of moto and botocore, done once or directly;
- ``memory``: moto's structures that grow with traffic (tracked instances, deleted receipt
  handles, log events), bounded so a long ``serve`` or ``up`` levels off.

Installed with them, each next to its own code: the event sources' switches (infra/compute/sources),
IAM enforcement (infra/compute/iam), Step Functions on the clock (infra/compute/stepfunctions) and
metering (infra/metering). Each hook falls back to moto's behaviour when no compute plane is
active (infra/compute/active.py holds the active one).
"""

from __future__ import annotations

from infra.compute.moto_hooks import dispatch, dynamodb, iam, lambda_, memory, patches, s3, sns, speed, sqs, websocket
from infra.compute.moto_hooks.version import PINNED_MOTO, check_moto_version

__all__ = ["PINNED_MOTO", "check_moto_version", "install", "installed", "uninstall"]

_OWN = (lambda_, sqs, s3, sns, dynamodb, websocket, iam, speed, dispatch, memory)


def install() -> None:
    """Every hook, once (again after ``uninstall``); a clear error first if moto is not the pinned one."""
    check_moto_version()
    if not patches.claim(__name__):
        return
    for module in _OWN:
        module.install()
    from infra.compute.iam.hook import install as install_iam_enforcement
    from infra.compute.sources import install_moto_hooks as switch_off_moto_event_sources
    from infra.compute.stepfunctions import hooks as stepfunctions_hooks
    from infra.metering import hooks as metering_hooks

    metering_hooks.install()  # counts every request
    switch_off_moto_event_sources()  # the compute plane polls instead
    install_iam_enforcement()  # checks functions' calls against their roles
    stepfunctions_hooks.install()  # Wait states, retries and timeouts on the plane's clock


def installed() -> bool:
    return bool(patches.applied())


def uninstall() -> None:
    """moto, botocore and boto3 as they ship: every patch of every hook taken back."""
    patches.restore()

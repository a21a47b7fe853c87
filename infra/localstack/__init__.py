"""Provisioning a real LocalStack on this machine without Docker, for tests and demos (not runtime code).

LocalStack's open-source core (``localstack-core`` 2026.3.0 on PyPI, the last release that starts
without an auth token) runs in *host mode* under Python 3.13: ``python -m localstack.runtime.main``
from its own virtual environment. This package installs that environment, prepares what LocalStack
would otherwise download at run time, starts the gateway bound to 127.0.0.1 as a background process
group, and stops it again by its process id. Modules, by concern:

    settings     versions, ports, the state folder, environment variable names
    layout       where an instance keeps everything; the environment LocalStack runs with
    system       running commands, finding Python 3.13 ($LOCALSTACK_PYTHON, pyenv, PATH), apt-get
    java         the system Java for DynamoDB Local, and the do-nothing agent jar LocalStack passes it
    plugin       the toolkit's Lambda executor (toolkit_lambda_executor.py) installed into LocalStack's venv
    install      the installation steps, each idempotent, checked by LocalStack's own installers
    processes    pid files, /proc, ports, stopping a process tree
    host         one instance: start, health, stop
    cli          ``python -m infra.localstack install|start|stop|status|env``

Python API (for fixtures)::

    host = LocalStackHost(port=4566)
    host.install()
    endpoint = host.start(timeout=90)   # "http://127.0.0.1:4566"
    ...
    host.stop()

LocalStack runs Lambda code only in Docker containers. Here the install also adds the toolkit's
Lambda runtime executor to LocalStack's venv and selects it: LocalStack keeps its event sources and
API Gateway, and hands each invocation to the toolkit's compute plane
(``Cloud.remote("localstack", run_functions=True)``, as ``samplecli.py run --target localstack``
does); with no plane attached an invocation fails with ``ToolkitComputePlaneUnavailable``.
"""

from __future__ import annotations

from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.host import LocalStackHost
from infra.localstack.processes import free_port

__all__ = ["LocalStackHost", "LocalStackHostError", "free_port"]

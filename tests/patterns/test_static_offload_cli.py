"""samplecli run static-offload, in a module of its own: its embedded cloud must not share the
process's moto with test_static_offload.py's module-wide cloud."""

from __future__ import annotations

import io

import samplecli


def test_samplecli_run_reports_before_and_after_and_exits_zero():
    out = io.StringIO()
    assert samplecli.main(["run", "static-offload"], out=out) == 0
    text = out.getvalue()
    assert "requests reaching API Gateway" in text and "cost per million page views" in text
    assert "held    the after cuts API Gateway's requests: 1000 -> 200" in text and "BROKEN" not in text

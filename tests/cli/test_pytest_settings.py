"""The README's test command itself: plain ``pytest`` prints why each skipped test was skipped."""

from __future__ import annotations


def test_plain_pytest_reports_each_skip_reason(pytestconfig):
    assert "s" in pytestconfig.option.reportchars

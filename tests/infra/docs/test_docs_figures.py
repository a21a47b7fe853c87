"""Compare figures read from whatever per-pattern entries compare.json holds."""

from __future__ import annotations

from infra.docs.figures import compare_section, for_pattern


def test_an_entry_keyed_by_the_pattern_name_is_flattened_with_the_file_date():
    data = {"measured_at": "2026-12-04T18:00Z", "patterns": {"file-conversion": {
        "per_operation": {"lambda_invocations": 3, "gb_seconds": 0.61234567}, "targets": ["embedded"]}}}
    figures = for_pattern(data, ("file-conversion", "file_conversion"))
    assert figures.date == "2026-12-04T18:00Z"
    assert figures.rows == (("per_operation.lambda_invocations", "3"), ("per_operation.gb_seconds", "0.612346"),
                            ("targets", "embedded"))  # the file's order


def test_rows_naming_their_pattern_are_found_in_a_list_with_their_own_date():
    data = {"rows": [{"pattern": "api-gateway", "date": "2026-12-03", "p99_ms": 61.5},
                     {"pattern": "durable-chat", "date": "2026-12-04", "p99_ms": 9}]}
    figures = for_pattern(data, ("durable-chat", "durable_chat"))
    assert figures.date == "2026-12-04" and ("p99_ms", "9") in figures.rows
    assert ("date", "2026-12-04") in figures.rows and not any(key == "pattern" for key, _ in figures.rows)


def test_two_entries_for_one_pattern_are_both_shown_numbered():
    data = {"embedded": {"api-gateway": {"ops": 1}}, "localstack": {"api-gateway": {"ops": 2}}}
    assert for_pattern(data, ("api-gateway",)).rows == (("[0].ops", "1"), ("[1].ops", "2"))


def test_a_file_without_the_pattern_says_which_command_measures_it():
    text = compare_section({"patterns": {"other": {"ops": 1}}}, ("mine", "mine"), "docs/compare/compare.json")
    assert "has no figures for this pattern yet" in text and "`python samplecli.py compare mine`" in text


def test_long_lists_are_summarized_and_a_very_long_entry_is_cut_with_a_pointer_to_the_file():
    samples = {"p": {"a_latencies_ms": list(range(500)), **{f"figure_{n:03d}": n for n in range(200)}}}
    text = compare_section(samples, ("p",), "docs/compare/compare.json")
    assert "| `a_latencies_ms` | 500 values (see the compare file) |" in text
    assert text.count("\n| `figure_") == 149 and "51 more figures for this pattern are in" in text


def test_figures_are_grouped_by_their_first_key_in_the_file_order():
    data = {"patterns": {"p": {"operations": 8, "cost": {"by_service": {"SQS": 0.4, "Lambda": 0.2}, "total": 0.6},
                               "limits": [{"quota": "one"}]}}, "measured_on": "2026-12-04", "latencies_measured": 3}
    text = compare_section(data, ("p",), "c.json")
    assert "(measured 2026-12-04;" in text
    assert text.index("| `operations` | 8 |") < text.index("**cost**") < text.index("**limits**")
    assert text.index("| `by_service.SQS` | 0.4 |") < text.index("| `by_service.Lambda` | 0.2 |")
    assert "| `[0].quota` | one |" in text

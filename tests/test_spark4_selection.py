"""What CI runs on Spark 4 (scripts/spark4-tests.sh): each pipeline's first-run end-to-end tests
stay in, the tests that run a pipeline again leave. The keyword filter matches test names, so a
renamed test could leave a pipeline with no Spark 4 test at all; this collects the selection."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

# By hand, per module: a test that must run on Spark 4 (it checks the module fixture's runs) and one
# that must not (it runs the pipeline again).
KEPT = ["tests/test_flights_e2e.py::test_every_vendor_flight_is_in_the_fact_once",
        "tests/test_adventureworks_e2e.py::test_q1_orders_with_at_least_three_lines",
        "tests/test_olist_pipeline.py::test_first_run_extracts_every_row_and_the_marts_equal_sql_on_the_source",
        "tests/test_eurostat_pipeline.py::test_each_vintage_is_answered_exactly_by_the_as_of_query",
        "tests/test_ess_pipeline.py::test_without_eurostat_the_survey_loads_and_the_marts_wait",
        "tests/test_bolsa_familia_pipeline.py::test_benefit_counts_are_the_valid_rows_of_the_file_with_blanks_as_null",
        "tests/test_bolsa_familia_api_pipeline.py::"
        "test_an_extraction_cut_off_half_way_resumes_with_only_the_missing_pages_and_the_same_warehouse",
        "tests/test_staging.py", "tests/test_flights_transforms.py", "tests/test_ess_reader.py"]
LEFT = ["tests/test_flights_e2e.py::test_running_the_same_input_twice_leaves_identical_content",
        "tests/test_olist_pipeline.py::test_incremental_run_extracts_only_the_changed_rows",
        "tests/test_olist_pipeline.py::test_a_rerun_without_source_changes_rereads_the_window_and_changes_nothing",
        "tests/test_eurostat_pipeline.py::test_an_older_vintage_is_refused_and_changes_nothing",
        "tests/test_ess_pipeline.py::test_a_truncated_file_exits_3_and_publishes_nothing",
        "tests/test_bolsa_familia_pipeline.py::test_a_late_correction_of_a_month_replaces_that_month_only"]


def test_spark4_runs_each_pipelines_first_run_tests_and_not_its_reruns():
    listing = subprocess.run(
        ["bash", "-c", 'set -eu; . scripts/spark4-tests.sh; exec "$0" -m pytest --collect-only -q '
                       '-p no:cacheprovider -k "$SPARK4_SELECT" $SPARK4_TESTS', sys.executable],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert listing.returncode == 0, listing.stdout[-2000:] + listing.stderr[-2000:]
    collected = [line for line in listing.stdout.splitlines() if "::" in line]
    for test in KEPT:
        assert any(node == test or node.startswith(test + "::") or node.startswith(test + "[")
                   for node in collected), test
    for test in LEFT:
        assert test not in collected, test

# What runs on Spark 4 as well in CI (sourced by scripts/test.sh; tests/test_spark4_selection.py
# checks it): the transform unit tests, the ess reader's, and the end-to-end tests of every pipeline
# (CONSTELLATION_SPARK4_TESTS chooses others, see docs/aws.md).
SPARK4_TESTS="${CONSTELLATION_SPARK4_TESTS:-tests/test_olist_pipeline.py tests/test_ess_pipeline.py
  tests/test_bolsa_familia_pipeline.py tests/test_eurostat_pipeline.py tests/test_adventureworks_e2e.py
  tests/test_flights_e2e.py tests/test_bolsa_familia_api_pipeline.py tests/test_staging.py tests/test_dates.py
  tests/test_flights_transforms.py tests/test_adventureworks_transforms.py tests/test_olist_transforms.py
  tests/test_eurostat_parsing.py tests/test_eurostat_dims.py tests/test_bolsa_familia_transforms.py
  tests/test_ess_reader.py}"
# Of those, the tests of each pipeline's first run (its module fixture) run on Spark 4; the tests
# that run a pipeline again (reruns, incremental and refused runs, other input formats, the real
# files) stay on 3.5 only, to keep CI well inside its limit (CONSTELLATION_SPARK4_SELECT="" runs all).
SPARK4_SELECT="${CONSTELLATION_SPARK4_SELECT-not (without_source_changes or rerunning or twice or older_vintage \
or bulk_tsv or late_correction or mi_social_as_json or truncated or real_files or pjanind3 \
or (test_olist_pipeline and (incremental or translation or new_order or orphan or watermarks or report_chart \
or loading_again)))}"

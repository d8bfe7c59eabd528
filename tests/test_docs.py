"""The committed data dictionary is the one the specs render."""

from jobs.docs import main


def test_the_data_dictionary_is_up_to_date_with_the_specs():
    assert main(["--check"]) == 0, "docs/data-dictionary.md is stale: run python -m jobs.docs"

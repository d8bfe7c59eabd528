"""The committed data dictionary is the one the specs render; each pipeline's doc lists its charts."""

import re
from pathlib import Path

import pytest

from jobs.docs import main
from schemas.charts import CHARTS

REPO = Path(__file__).resolve().parent.parent


def test_the_data_dictionary_is_up_to_date_with_the_specs():
    assert main(["--check"]) == 0, "docs/data-dictionary.md is stale: run python -m jobs.docs"


def doc_of(pipeline: str) -> Path:
    """Where a pipeline is documented: flights in the README, every other in docs/<pipeline>.md."""
    return REPO / ("README.md" if pipeline == "flights" else f"docs/{pipeline}.md")


@pytest.mark.parametrize("pipeline", list(CHARTS))
def test_every_chart_of_a_pipeline_is_listed_by_its_title_in_the_pipeline_s_doc(pipeline):
    text = re.sub(r"\s+", " ", doc_of(pipeline).read_text(encoding="utf-8"))  # a title may wrap
    missing = [c.title for c in CHARTS[pipeline] if c.title not in text]
    assert not missing, f"{doc_of(pipeline).relative_to(REPO)} does not name these charts of schemas/charts.py: " \
        f"{missing}"

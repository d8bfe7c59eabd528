"""``python -m jobs.pipelines system-packages [PIPELINE]`` (see jobs.pipelines.main)."""

import sys

from jobs.pipelines import main

sys.exit(main(sys.argv[1:]))

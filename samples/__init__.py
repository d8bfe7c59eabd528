"""Deterministic synthetic sample-data generators for the pipeline's source datasets.

Each dataset has its own module (e.g. :mod:`samples.flights`) exposing a
``generate_<dataset>(out_dir, *, scale, seed)`` function, and a subcommand of
the CLI ``python -m samples <dataset> --scale S --out DIR [--seed N]``.
The files mimic the layout and quirks of the real public files so that the
pipeline can be exercised end to end without shipping the real data.
"""

"""Benchmarks: ``python -m bench SCENARIO [options]`` (``python -m bench --help``)."""

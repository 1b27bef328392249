"""Benchmarks anyone can run from the project directory: `python -m bench.<name> --help`."""

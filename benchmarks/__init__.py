"""Benchmarks of nibs-graph on synthetic evidence bases (``python -m benchmarks --quick``); not shipped."""

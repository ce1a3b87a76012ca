"""Benchmarks: each module measures one hot path and prints its figures (see README.md)."""

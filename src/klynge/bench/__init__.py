"""Benchmarks (issue #3): a generator of national-scale ``klynge-scenario/1`` data and the measurements
of ``bin/bench`` (see ``docs/benchmarks.md``)."""

"""Many solves at speed: batch points, sweeps, Monte Carlo, local and Dask workers,
streamed output files and the benchmark.
May import: ``model.analysis``, ``model.pipeline`` and everything below them.
"""

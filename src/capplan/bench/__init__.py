"""``capplan bench``: instances x solver backends, each run in a fresh process, checked.

Modules: :mod:`~capplan.bench.run` (settings and the run itself, :func:`run_bench`),
:mod:`~capplan.bench.worker` (one task in a worker process), :mod:`~capplan.bench.runner`
(starting, limiting and killing workers), :mod:`~capplan.bench.instances` (model files,
generated models, MPS files), :mod:`~capplan.bench.reference` (the lower-bound fill and
the PuLP object-API builder), :mod:`~capplan.bench.checks` (verdicts, agreement, the
gate), :mod:`~capplan.bench.records` (one record per run), :mod:`~capplan.bench.report`
(CSV, JSON, Markdown), :mod:`~capplan.bench.baseline` (the gate's baseline file),
:mod:`~capplan.bench.suites` (named suites) and :mod:`~capplan.bench.cli` (options to
settings).  docs/benchmarks.md describes what is measured and how.
"""

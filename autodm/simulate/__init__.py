"""Simulated exports: corpus messages placed in timelines, written in each platform's format.

``timeline.simulate_inbox`` builds a platform-neutral Inbox with labels; the writers
(``canonical``, ``x``, ``meta``, ``linkedin``) turn it into the real export layouts, for the
bundled examples, the tests and the benchmarks. ``python -m autodm.simulate examples DIR``
regenerates ``data/examples/``.
"""

"""Project test configuration. The ``device`` fixture and ``--backend`` option come from the
MicroTorch pytest plugin (``pytest_microtorch.py``), which pytest loads through
microtorch-core's ``pytest11`` entry point; ``emulated_cuda`` and ``no_cuda`` from
``cuda_emulated.py``."""

pytest_plugins = ["pytester", "cuda_emulated"]

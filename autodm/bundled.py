"""Where the bundled model and corpus are.

An install ships ``models/`` and ``data/corpus/`` as the packages ``autodm.bundled_models`` and
``autodm.bundled_corpus`` (pyproject's package-dir). Python run from the repository root
(``python -m autodm``, ``python benchmarks/bench_scan.py``) imports ``autodm`` from the source
tree instead, where those packages do not exist: then the checkout's own folders are used.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MODELS = "autodm.bundled_models"
CORPUS = "autodm.bundled_corpus"
_IN_CHECKOUT = {MODELS: ("models",), CORPUS: ("data", "corpus")}


def bundled_path(package: str, name: str) -> Path:
    """The file ``name`` of the bundled package (``MODELS`` or ``CORPUS``); it may not exist
    (a package installed without its data): callers say so in their own words."""
    try:
        return Path(str(resources.files(package).joinpath(name)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent.joinpath(*_IN_CHECKOUT[package], name)

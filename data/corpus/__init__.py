"""The training corpus, installed as the package ``autodm.bundled_corpus`` (found with importlib.resources)."""

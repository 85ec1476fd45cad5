"""The bundled models, installed as the package ``autodm.bundled_models`` (found with importlib.resources)."""

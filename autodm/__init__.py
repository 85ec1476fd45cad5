"""autodm: find the automated messages (auto-DMs) in an exported direct-message archive.

Data flows one way: loaders -> Inbox -> features -> model -> output.
"""

__version__ = "0.1.0"

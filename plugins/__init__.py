"""The scoring methods this project ships, installed as the package ``scoring_plugins``.

They are loaded through the ``scoring`` entry-point group exactly like a third-party
plugin (see ``builtin.py``).
"""

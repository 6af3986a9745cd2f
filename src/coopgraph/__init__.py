"""coopgraph: a knowledge graph of standards-cooperation actors, with the evidence for every fact.

The package exposes one object, returned by :func:`open`; the CLI, the server and the tests
all go through it so that there is a single place where data is loaded, validated and reasoned.
"""

__version__ = "0.1.0"

from coopgraph.graph import CoopGraph, open  # noqa: E402  (needs __version__ defined first)

__all__ = ["CoopGraph", "__version__", "open"]

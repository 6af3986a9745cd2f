"""Querying: the named query library, the label service, result writers and notebook views."""

"""Serving: the SPARQL endpoint and its pages, and pushing to real triple stores."""

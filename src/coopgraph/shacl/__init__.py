"""Validation: the project's SHACL engine, the report, and validation in context."""

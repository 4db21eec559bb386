"""Reads of the members app, scoped through restrict(), one module per sub-domain."""

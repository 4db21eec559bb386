"""Writes (and the rules they enforce) of the members app, one module per sub-domain; keyword-only functions."""

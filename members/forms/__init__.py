"""Forms of the members app's pages, one module per sub-domain: they parse input; the services decide."""

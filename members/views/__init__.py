"""Pages of the members app, one module per sub-domain; thin: parse input, call a service or selector, render."""

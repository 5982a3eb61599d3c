"""The package: it reads schemas/*.json at run time."""

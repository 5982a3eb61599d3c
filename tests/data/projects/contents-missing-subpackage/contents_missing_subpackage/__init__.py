"""The package: its plugins directory lacks __init__.py."""

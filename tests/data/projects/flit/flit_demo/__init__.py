"""A flit module."""

"""Sinks over the same report: terminal text, JSON, GitHub Actions."""

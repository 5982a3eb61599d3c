"""Reading the built archives once, streaming, within limits and never extracting: members, metadata,
the rendered README and archive safety."""

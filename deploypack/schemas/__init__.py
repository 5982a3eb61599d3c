"""JSON schemas of what deploypack writes (report, manifest, merged manifest) and SARIF's."""

"""The project being released, read from its files: build configuration, git, the release tag, source lines."""

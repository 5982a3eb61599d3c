"""The edge for GitHub Actions: the action's inputs (`INPUT_*`) read once and turned into a command line."""

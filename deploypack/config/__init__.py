"""Options from one cascade (defaults < pyproject < environment < command line) and the frozen run environment."""

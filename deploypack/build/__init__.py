"""Building: the PEP 517 engine (sdist, then the wheel from it), supervised hook processes, the build
log, reusable build environments, the hook server, and the diagnosis of a failed build."""

# The deploypack GitHub Action (docs/action.md). The base is a build argument so that the image
# can be built from a local base where the public one cannot be pulled; GitHub uses the default.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# git: setuptools-scm and hatch-vcs read the version from the checkout. No compilers: a project
# with C extensions builds its sdist here, but its wheel needs a compiler (see docs/action.md).
# hadolint ignore=DL3008
RUN if ! command -v git >/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends git \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# deploypack from this repository (not from the index), with uv for `--installer uv` and isal
# (archives inflate twice as fast). No pip cache
# in the image; at run time the entrypoint puts the pip and uv caches under /github/home.
COPY pyproject.toml README.md LICENSE /usr/src/deploypack/
COPY deploypack /usr/src/deploypack/deploypack
RUN python -m pip install --no-cache-dir "/usr/src/deploypack[uv,fast]" \
    && rm -rf /usr/src/deploypack

COPY entrypoint.py /usr/local/lib/deploypack-action/entrypoint.py
ENTRYPOINT ["python", "/usr/local/lib/deploypack-action/entrypoint.py"]

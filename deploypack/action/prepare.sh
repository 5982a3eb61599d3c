# The composite action's first step (action.yml): check what the run needs, choose the image,
# and write the docker action that runs it. POSIX sh, not Python or bash: inside a job
# `container:` this runs in the job's image, which may have neither.
#
# In:  GITHUB_ACTION_PATH (this action's checkout; the variable, not `github.action_path`,
#      which names the host's path even inside a job container), GITHUB_WORKSPACE, GITHUB_JOB,
#      GITHUB_OUTPUT, RUNNER_OS, ACTIONS_ID_TOKEN_REQUEST_URL (set only with `id-token: write`),
#      and from action.yml: DEPLOYPACK_IMAGE (a release commit pins it by digest), UPLOAD,
#      ARTIFACT_NAME, ATTEST, PROJECT_PATH, JOB_INDEX, JOB_TOTAL.
# Out: the docker action in $GITHUB_WORKSPACE/.git/deploypack-action (under .git, which no
#      build backend, sdist or clean-tree check looks at), and the step outputs
#      `artifact-name`, `upload`, `attest`, `image`, `made-git-dir`.
#
# The image is never derived from the `uses:` ref nor from GITHUB_ACTION_REPOSITORY: a SHA ref
# has no image tag, and inside a calling composite action that variable names the caller.
set -eu

fail() {
    # $1 title, $2 message: an error annotation, then stop the job's step
    printf '::error title=%s::%s\n' "$1" "$2"
    exit 1
}

is_true() {
    case "$1" in
        [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss] | 1) return 0 ;;
        [Ff][Aa][Ll][Ss][Ee] | [Nn][Oo] | 0) return 1 ;;
        *) fail "deploypack: bad input" "action input '$2': expected true or false, got '$1'" ;;
    esac
}

: "${GITHUB_ACTION_PATH:?the runner sets GITHUB_ACTION_PATH}"
: "${GITHUB_WORKSPACE:?the runner sets GITHUB_WORKSPACE}"
: "${GITHUB_OUTPUT:?the runner sets GITHUB_OUTPUT}"

if [ "${RUNNER_OS:-Linux}" != "Linux" ]; then
    fail "deploypack: Linux runners only" "the deploypack action runs a container, which GitHub supports on Linux runners only (this one is ${RUNNER_OS}). On macOS or Windows run the CLI instead: pipx run deploypack build"
fi

upload=false
if is_true "${UPLOAD:-true}" upload; then upload=true; fi
attest=false
if is_true "${ATTEST:-false}" attest; then attest=true; fi
if [ "$attest" = true ] && [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]; then
    fail "deploypack: missing permission id-token: write" "attest: true signs the distributions with the job's OIDC identity, and this job may not request one: add 'id-token: write' and 'attestations: write' to the job's permissions."
fi

# The artifact name: the input, else unique per job, matrix entry and project, since two
# uploads of one name in a run fail (actions/upload-artifact@v4).
name="${ARTIFACT_NAME:-}"
if [ -z "$name" ]; then
    name="dists-${GITHUB_JOB:-job}"
    if [ "${JOB_TOTAL:-1}" -gt 1 ] 2>/dev/null; then name="$name-${JOB_INDEX:-0}"; fi
    slug=$(printf '%s' "${PROJECT_PATH:-.}" | sed -e 's|^\./*||' -e 's|/*$||' -e 's|[^A-Za-z0-9._-]|-|g')
    if [ -n "$slug" ] && [ "$slug" != "." ]; then name="$name-$slug"; fi
fi
case "$name" in
    *[\":\<\>\|\*\?\\/]*) fail "deploypack: bad input" "action input 'artifact-name': '$name' holds a character an artifact name cannot have (\" : < > | * ? \\ /)" ;;
esac

made_git_dir=false
if [ ! -e "$GITHUB_WORKSPACE/.git" ]; then made_git_dir=true; fi
if [ -f "$GITHUB_WORKSPACE/.git" ]; then
    fail "deploypack: workspace" "the workspace's .git is a file (a git worktree or submodule), and the action writes its container step under .git/: check the repository out as a clone (actions/checkout)"
fi
generated="$GITHUB_WORKSPACE/.git/deploypack-action"
rm -rf "$generated"
mkdir -p "$generated"

if [ -n "${DEPLOYPACK_IMAGE:-}" ]; then
    image="docker://${DEPLOYPACK_IMAGE}"
else
    # An unreleased ref (a branch, a commit, `uses: ./`): build the image from this checkout.
    # The build context is copied next to the generated action, so that the path holds on the
    # host and inside a job container alike.
    image=Dockerfile
    for item in Dockerfile .dockerignore pyproject.toml README.md LICENSE entrypoint.py deploypack; do
        cp -R "$GITHUB_ACTION_PATH/$item" "$generated/"
    done
    echo "::notice title=deploypack: building the image::This ref of the deploypack action has no prebuilt image (only release commits pin one), so the Dockerfile is built in this job (about half a minute). Use a release (deploypack/deploypack@v1, or the commit of a vX.Y.Z-action tag) to run the prebuilt image."
fi

{
    echo "name: deploypack (container)"
    echo "description: deploypack build, run by the deploypack composite action"
    echo "runs:"
    echo "  using: docker"
    echo "  image: '$image'"
} >"$generated/action.yml"

{
    echo "artifact-name=$name"
    echo "upload=$upload"
    echo "attest=$attest"
    echo "image=$image"
    echo "made-git-dir=$made_git_dir"
} >>"$GITHUB_OUTPUT"

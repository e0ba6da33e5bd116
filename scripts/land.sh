#!/usr/bin/env bash
# Lands a branch on main: rebases it onto main, runs the whole check (ruff, import-linter
# when configured, the full pytest suite) in the branch's worktree and fast-forwards main
# only when every step passed. One landing at a time (a lock), so main is green after each.
#   usage: scripts/land.sh BRANCH WORKTREE_DIR
set -euo pipefail
branch=$1
worktree=$(cd "$2" && pwd)
main_dir=$(git -C "$worktree" worktree list --porcelain |
  awk '/^worktree /{w=$2} /^branch refs\/heads\/main$/{print w}')
[ -n "$main_dir" ] || { echo "land: no worktree has main checked out" >&2; exit 2; }
exec 9>/tmp/tinygrad_bn_land.lock
echo "land: waiting for the lock"
flock 9
cd "$worktree"
[ "$(git rev-parse --abbrev-ref HEAD)" = "$branch" ] || { echo "land: $worktree is not on $branch" >&2; exit 2; }
[ -z "$(git status --porcelain --untracked-files=no)" ] || { echo "land: uncommitted changes in $worktree" >&2; exit 2; }
git rebase main
export HYPOTHESIS_PROFILE=ci OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH="$worktree"
python -m ruff check .
if grep -q '^\[tool.importlinter\]' pyproject.toml; then lint-imports; fi
python -m pytest -q -x -p no:cacheprovider
git -C "$main_dir" merge --ff-only "$branch"
echo "land: $branch is on main at $(git rev-parse --short HEAD)"

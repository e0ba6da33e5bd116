#!/usr/bin/env bash
# Lands a branch on main: rebases it onto main, runs the whole check (ruff, import-linter
# when configured, the full pytest suite) in the branch's worktree and fast-forwards main
# only when every step passed. One landing at a time (a lock), so main is green after each.
#   usage: scripts/land.sh BRANCH WORKTREE_DIR
#
# A merge train, for a loaded machine where one full suite takes half an hour: cherry-pick
# the queued branches onto one branch TRAIN, write TRAIN's name into $TRAIN_WAIT before
# landing it (queued landings of other branches then wait until the file is gone), and
# once TRAIN landed, add a line "BRANCH HEAD" to $TRAIN_LANDED for each branch head it
# held before removing $TRAIN_WAIT: those landings then end at once (the branch is reset
# to main, which holds its commits) instead of running the suite again.
set -euo pipefail
branch=$1
worktree=$(cd "$2" && pwd)
main_dir=$(git -C "$worktree" worktree list --porcelain |
  awk '/^worktree /{w=$2} /^branch refs\/heads\/main$/{print w}')
[ -n "$main_dir" ] || { echo "land: no worktree has main checked out" >&2; exit 2; }
exec 9>/tmp/tinygrad_bn_land.lock
echo "land: waiting for the lock"
flock 9
TRAIN_WAIT=/tmp/tinygrad_bn_train.wait TRAIN_LANDED=/tmp/tinygrad_bn_train.landed
while [ -f "$TRAIN_WAIT" ] && [ "$branch" != "$(cat "$TRAIN_WAIT")" ]; do
  echo "land: the merge train $(cat "$TRAIN_WAIT") goes first; waiting"
  flock -u 9; sleep 20; flock 9
done
cd "$worktree"
[ "$(git rev-parse --abbrev-ref HEAD)" = "$branch" ] || { echo "land: $worktree is not on $branch" >&2; exit 2; }
[ -z "$(git status --porcelain --untracked-files=no)" ] || { echo "land: uncommitted changes in $worktree" >&2; exit 2; }
if grep -qx "$branch $(git rev-parse HEAD)" "$TRAIN_LANDED" 2>/dev/null; then
  git reset -q --hard main  # main holds every commit of this branch (the train's copies)
  echo "land: $branch landed with a merge train (main $(git rev-parse --short HEAD))"; exit 0
fi
git rebase main
if [ "$(git rev-parse HEAD)" = "$(git -C "$main_dir" rev-parse main)" ]; then
  echo "land: $branch has nothing that main lacks: done"; exit 0
fi
export HYPOTHESIS_PROFILE=ci OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH="$worktree"
python -m ruff check .
if grep -q '^\[tool.importlinter\]' pyproject.toml; then lint-imports; fi
python -m pytest -q -x -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --dist loadfile
git -C "$main_dir" merge --ff-only "$branch"
echo "land: $branch is on main at $(git rev-parse --short HEAD)"

#!/usr/bin/env bash
# Dependency audit: every pinned package of requirements/base.txt and requirements/test.txt
# against a vulnerability database (pip-audit; PyPI's by default, AUDIT_SERVICE=osv for OSV).
#
# Exit status: 0 every package was checked and none has a known vulnerability; 1 a known
# vulnerability (or pip-audit failed); 3 the audit could NOT be done because no package could
# be looked up (the vulnerability service is unreachable from this machine) — that is not a
# clean audit, and the output says so. Some packages checked and some not is a failure (1).
# The requirement files are complete locks (every dependency pinned), so nothing is resolved
# or installed: --no-deps --disable-pip; test.txt's "-r base.txt" is not followed then, hence
# both files.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
.venv/bin/pip-audit --no-deps --disable-pip --progress-spinner off \
  --vulnerability-service "${AUDIT_SERVICE:-pypi}" \
  -r requirements/base.txt -r requirements/test.txt "$@" >"$out" 2>&1
status=$?
cat "$out"
pinned=$(grep -hcE '^[A-Za-z0-9_.-]+==' requirements/base.txt requirements/test.txt | paste -sd+ | bc)
skipped=$(grep -c "could not be audited" "$out" || true)
if [ "$status" -ne 0 ]; then
  echo "FAIL: dependency audit: a known vulnerability above, or pip-audit failed" >&2
  exit 1
fi
if [ "$skipped" -ge "$pinned" ]; then
  echo "NOT AUDITED: none of the $pinned pinned packages could be looked up in" \
       "${AUDIT_SERVICE:-pypi}'s vulnerability database from this machine" >&2
  exit 3
fi
if [ "$skipped" -gt 0 ]; then
  echo "FAIL: dependency audit: $skipped of $pinned packages could not be checked" >&2
  exit 1
fi
echo "dependency audit: $pinned packages checked, no known vulnerability"

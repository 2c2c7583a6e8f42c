#!/usr/bin/env bash
# Update the gettext catalogs (zh_Hans, en) from the source: one per app, plus the project's
# own (src/frontline/locale) for the shared templates and settings. Needs GNU gettext.
set -euo pipefail
cd "$(dirname "$0")/../src/frontline"
PY=../../.venv/bin/python
MANAGE=../../manage.py
apps=()
for dir in */; do
  app=${dir%/}
  [ -f "$app/apps.py" ] || continue
  apps+=("$app")
  mkdir -p "$app/locale"
  (cd "$app" && ../$PY ../$MANAGE makemessages -l zh_Hans -l en --no-obsolete -v 0)
done
ignores=()
for app in "${apps[@]}"; do ignores+=(--ignore "$app/*"); done
mkdir -p locale
$PY $MANAGE makemessages -l zh_Hans -l en --no-obsolete -v 0 "${ignores[@]}" \
  --ignore "static/*" --ignore "conftest.py"
echo "catalogs updated: ${apps[*]} and the project"

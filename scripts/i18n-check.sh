#!/usr/bin/env bash
# Brings the zh-hans catalogue up to date with the code and says what is left to translate.
#   1. makemessages: new strings enter locale/zh_Hans/LC_MESSAGES/django.po (empty, or
#      "fuzzy" with a guessed translation: both count as untranslated);
#   2. drops obsolete (#~) entries of strings no longer in the code;
#   3. lists every untranslated or fuzzy entry with where it is used, and checks the
#      placeholders (msgfmt --check-format);
#   4. when all is clean, compiles the .mo (it is committed: deployments may lack gettext).
# Exit 1 when anything is left to translate or a check fails; 0 when clean.
# Needs GNU gettext (msgfmt, msgattrib, msgmerge). Usage: scripts/i18n-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PO=locale/zh_Hans/LC_MESSAGES/django.po

for tool in msgfmt msgattrib msgmerge xgettext; do
  command -v "$tool" >/dev/null || { echo "GNU gettext is missing ($tool): apt-get install gettext" >&2; exit 1; }
done

"$PY" manage.py makemessages -l zh_Hans --no-obsolete \
  --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=node_modules >/dev/null
msgattrib --no-obsolete -o "$PO" "$PO"

# Prints the .po entries on stdin, without the catalogue header.
entries_only() { awk 'BEGIN { RS = ""; ORS = "\n\n" } !/(^|\n)msgid ""\nmsgstr ""\n"/'; }
count() { grep -c '^msgid ' || true; }

status=0
total=$(msgattrib --no-obsolete "$PO" | entries_only | count)
untranslated=$(msgattrib --untranslated --no-obsolete "$PO" | entries_only)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$PO" | entries_only)

if [ -n "$untranslated" ]; then
  echo "== Untranslated entries =="
  echo "$untranslated"
  status=1
fi
if [ -n "$fuzzy" ]; then
  echo "== Fuzzy entries (check the guessed msgstr, then remove the fuzzy flag) =="
  echo "$fuzzy"
  status=1
fi
if ! msgfmt --check-format -o /dev/null "$PO"; then
  echo "msgfmt --check-format failed (placeholders differ between msgid and msgstr)" >&2
  status=1
fi

if [ $status -eq 0 ]; then
  "$PY" manage.py compilemessages -l zh_Hans --ignore=.venv >/dev/null
  echo "i18n: clean. $total entries, all translated; $PO compiled."
else
  n_untr=$(printf '%s\n' "$untranslated" | count)
  n_fuzzy=$(printf '%s\n' "$fuzzy" | count)
  echo "i18n: NOT clean: $n_untr untranslated and $n_fuzzy fuzzy of $total entries." >&2
fi
exit $status

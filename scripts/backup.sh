#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump custom format) and the media folder (attachments).
#
#   DATABASE_URL=postgres://user:pw@host:5432/portal MEDIA_ROOT=/srv/portal/media scripts/backup.sh [DIR]
#
# Writes DIR/portal-<timestamp>.dump and DIR/portal-<timestamp>-media.tar.gz (DIR defaults to ./backups).
# Both are needed for a full restore (scripts/restore.sh). The dump contains ID numbers only encrypted;
# keep FIELD_ENCRYPTION_KEYS safe SEPARATELY from the backups, or the restored ID numbers cannot be read.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: only PostgreSQL is supported (DATABASE_URL=$DATABASE_URL)" >&2; exit 2 ;;
esac
DIR="${1:-backups}"
STAMP="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$DIR"
umask 077   # backups hold personal data

DUMP="$DIR/portal-$STAMP.dump"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$DUMP.partial"
mv "$DUMP.partial" "$DUMP"   # a half-written dump never looks like a finished one
echo "database: $DUMP"

# Media AFTER the dump, on purpose (README, "Backups and restore"): a file is written before the row naming it
# commits and is never rewritten in place nor deleted while a row names it, so every file the dump references
# already exists now and is archived. Files added meanwhile are harmless extras (orphan_files lists them).
if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  MEDIA="$DIR/portal-$STAMP-media.tar.gz"
  # Unfinished writes (*.part, report outputs before their atomic rename) are not data; GNU tar exits 1 when a
  # file changed while read (a new upload): that archive is still complete for the dump, so 1 is accepted.
  tar -czf "$MEDIA.partial" --exclude='*.part' -C "$MEDIA_ROOT" . || [ $? -eq 1 ]
  mv "$MEDIA.partial" "$MEDIA"
  echo "media:    $MEDIA"
else
  echo "media:    (MEDIA_ROOT not set or missing; skipped)"
fi

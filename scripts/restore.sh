#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database (and media folder).
#
#   createdb portal_restored
#   DATABASE_URL=postgres://user:pw@host:5432/portal_restored MEDIA_ROOT=/srv/portal/media \
#       scripts/restore.sh backups/portal-<timestamp>.dump [backups/portal-<timestamp>-media.tar.gz]
#
# Then start the portal with the same FIELD_ENCRYPTION_KEYS as when the backup was taken and run
# `manage.py migrate` (a no-op for a dump of the same version; applies newer migrations otherwise).
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must point at the (empty) PostgreSQL database to restore into}"
DUMP="${1:?usage: restore.sh DUMP [MEDIA_TAR]}"
MEDIA_TAR="${2:-}"

TABLES="$(psql "$DATABASE_URL" -tAc "select count(*) from information_schema.tables where table_schema='public'")"
if [ "$TABLES" != "0" ]; then
  echo "restore.sh: the target database is not empty ($TABLES tables); refusing to overwrite it." >&2
  exit 3
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$DUMP"
echo "database restored from $DUMP"

if [ -n "$MEDIA_TAR" ]; then
  : "${MEDIA_ROOT:?MEDIA_ROOT must be set to restore media}"
  mkdir -p "$MEDIA_ROOT"
  tar -xzf "$MEDIA_TAR" -C "$MEDIA_ROOT" --no-same-owner --no-overwrite-dir
  echo "media restored into $MEDIA_ROOT"
fi

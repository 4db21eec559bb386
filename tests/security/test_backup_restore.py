"""Backup and restore: scripts/backup.sh dumps the database and media; scripts/restore.sh loads them into an
empty database, and the portal serves the same data from it."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.models import Member
from tests.members.factories import MemberFactory, valid_id_number

from .pg import admin_connection, requires_postgres, url_for

ROOT = Path(__file__).resolve().parents[2]


def run(script, *args, env):
    result = subprocess.run([str(ROOT / "scripts" / script), *map(str, args)], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_serves_the_same_data(tree, users, tmp_path):
    MemberFactory(branch=tree.a1, name="备份党员", with_id=valid_id_number(555))
    media = tmp_path / "media"
    (media / "activities" / "2025").mkdir(parents=True)
    (media / "activities" / "2025" / "a.pdf").write_bytes(b"%PDF-1.4 backup")
    count = Member.objects.count()
    original_name = connection.settings_dict["NAME"]
    restored_name = f"{original_name}_restored"

    run("backup.sh", tmp_path / "out", env={"DATABASE_URL": url_for(), "MEDIA_ROOT": str(media)})
    dump = next((tmp_path / "out").glob("portal-*.dump"))
    media_tar = next((tmp_path / "out").glob("portal-*-media.tar.gz"))

    admin = admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        cur.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        run("restore.sh", dump, media_tar, env={"DATABASE_URL": url_for(restored_name), "MEDIA_ROOT": str(restored_media)})
        assert (restored_media / "activities" / "2025" / "a.pdf").read_bytes() == b"%PDF-1.4 backup"
        # Refuses to restore over a database that has data.
        again = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(dump)], capture_output=True, text=True,
                               env={**os.environ, "DATABASE_URL": url_for(restored_name)})
        assert again.returncode == 3 and "not empty" in again.stderr

        # Point the portal's connection at the restored database.
        connection.close()
        connection.settings_dict["NAME"] = restored_name
        try:
            assert Member.objects.count() == count
            restored = Member.objects.get(name="备份党员")
            assert restored.get_id_number() == valid_id_number(555)
            client = Client()
            client.force_login(users.staff)   # same user id exists in the restored data
            page = client.get(reverse("members:detail", args=[restored.pk]))
            assert page.status_code == 200 and "备份党员" in page.content.decode()
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original_name
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [restored_name])
            cur.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.close()

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


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_resolves_every_file_a_row_references(tree, users, tmp_path, settings):
    """Every FileField value in the restored database (history tables included) names a file in the restored
    media; unfinished `.part` files are not archived."""
    from datetime import date

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from orglife.models import Attachment
    from portal.management.commands.orphan_files import referenced_names
    from reports.models import JobStatus, ReportJob
    from tests.orglife.activity_factories import log

    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    from orglife.models import ActivityType

    ActivityType.objects.get_or_create(code="theme_day", defaults={"name": "主题党日"})
    activity = log(tree.a1, "theme_day", date(2025, 9, 10))
    for i in range(3):
        name = default_storage.save(f"activities/2025/photo{i}.pdf", ContentFile(b"%PDF-1.4 " + bytes([i])))
        Attachment.objects.create(activity=activity, file=name, original_name=f"p{i}.pdf", kind="pdf",
                                  content_type="application/pdf", size=10)
    report = default_storage.save(f"reports/{tree.a1.code}/1/branch-annual-2025.pdf", ContentFile(b"%PDF-1.4 r"))
    ReportJob.objects.create(organization=tree.a1, kind="branch-annual", period="2025", status=JobStatus.DONE,
                             file=report)
    (media / "reports" / "x.pdf.part").write_bytes(b"half")       # a write in progress
    referenced = referenced_names()
    assert len(referenced) >= 4

    original_name = connection.settings_dict["NAME"]
    restored_name = f"{original_name}_files"
    run("backup.sh", tmp_path / "out", env={"DATABASE_URL": url_for(), "MEDIA_ROOT": str(media)})
    dump = next((tmp_path / "out").glob("portal-*.dump"))
    media_tar = next((tmp_path / "out").glob("portal-*-media.tar.gz"))
    admin = admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        cur.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        run("restore.sh", dump, media_tar, env={"DATABASE_URL": url_for(restored_name),
                                                "MEDIA_ROOT": str(restored_media)})
        connection.close()
        connection.settings_dict["NAME"] = restored_name
        try:
            restored = referenced_names()
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original_name
        assert restored == referenced
        missing = [n for n in restored if not (restored_media / n).is_file()]
        assert missing == []
        assert not list(restored_media.rglob("*.part"))
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [restored_name])
            cur.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.close()

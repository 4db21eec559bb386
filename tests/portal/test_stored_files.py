"""Nothing lost, nothing left: files stored in a transaction that rolls back are deleted (portal.stored_files),
and `manage.py orphan_files` lists/deletes exactly the files no row references."""
import io
import os
import time
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError
from PIL import Image

from orglife import services as svc
from orglife.models import Attachment as ActivityAttachment
from portal.management.commands.orphan_files import orphan_files
from portal.stored_files import atomic_with_files, tracking
from portal.uploads import write_file
from tests.orglife.activity_factories import activity_type

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg(color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(buf, "JPEG")
    return buf.getvalue()


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _failing_on_call(n, real_save):
    """A Model.save that raises IntegrityError on its n-th call (the last attachment of a batch)."""
    calls = {"n": 0}

    def save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise IntegrityError("forced failure")
        return real_save(self, *args, **kwargs)
    return save


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def activity(tree, media):
    return svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"),
                               held_on=date(2025, 9, 10), title="x")


# --- the helper ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestAtomicWithFiles:
    def test_files_written_in_a_block_that_fails_are_deleted(self, media):
        with pytest.raises(IntegrityError), atomic_with_files():
            assert tracking()
            a = write_file(ContentFile(b"a"), name="t/a.txt")
            b = write_file(ContentFile(b"b"), name="t/b.txt")
            assert (media / a).exists() and (media / b).exists()
            raise IntegrityError("boom")
        assert _files(media) == []
        assert not tracking()

    def test_files_of_a_block_that_commits_stay(self, media):
        with atomic_with_files():
            name = write_file(ContentFile(b"a"), name="t/a.txt")
        assert _files(media) == [name]

    def test_failed_inner_block_removes_only_its_own_files(self, media):
        with atomic_with_files():
            kept = write_file(ContentFile(b"a"), name="t/a.txt")
            with pytest.raises(ValueError), atomic_with_files():
                write_file(ContentFile(b"b"), name="t/b.txt")
                raise ValueError
        assert _files(media) == [kept]

    def test_inner_block_that_succeeded_is_undone_by_a_failing_outer_block(self, media):
        with pytest.raises(ValueError), atomic_with_files():
            with atomic_with_files():
                write_file(ContentFile(b"b"), name="t/b.txt")
            write_file(ContentFile(b"a"), name="t/a.txt")
            raise ValueError
        assert _files(media) == []

    def test_as_a_decorator_each_call_has_its_own_list(self, media):
        @atomic_with_files
        def store(n):
            write_file(ContentFile(b"x"), name=f"t/{n}.txt")
            if n == 2:
                raise ValueError
            if n < 2:
                store(n + 1)

        with pytest.raises(ValueError):
            store(0)
        assert _files(media) == [] and not tracking()

    def test_outside_a_block_nothing_is_tracked(self, media):
        name = write_file(ContentFile(b"a"), name="t/a.txt")
        assert not tracking() and _files(media) == [name]


@pytest.mark.django_db(transaction=True)
def test_a_failed_commit_removes_the_files(media):
    """The block owns the real transaction here: a commit that fails (deferred constraint, lost connection)
    leaves the block with an exception, so the files go too."""
    from django.db import connection

    with mock.patch.object(connection, "commit", side_effect=IntegrityError("commit failed")):
        with pytest.raises(IntegrityError), atomic_with_files():
            write_file(ContentFile(b"a"), name="t/a.txt")
    assert _files(media) == []


# --- the services ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestServices:
    def test_multi_file_upload_whose_last_save_fails_leaves_no_file(self, activity, media):
        uploads = [SimpleUploadedFile(f"现场{i}.jpg", _jpeg((i * 60, 30, 30))) for i in range(3)]
        failing = _failing_on_call(3, ActivityAttachment.save)
        with mock.patch.object(ActivityAttachment, "save", failing), pytest.raises(IntegrityError):
            svc.attachments_add(activity=activity, uploads=uploads)
        assert not activity.attachments.exists()
        assert _files(media) == []          # before: the first two photos and their thumbnails stayed

    def test_successful_multi_file_upload_keeps_every_file(self, activity, media):
        added = svc.attachments_add(activity=activity, uploads=[SimpleUploadedFile("a.jpg", _jpeg()),
                                                                SimpleUploadedFile("b.pdf", PDF)])
        expected = sorted([added[0].file.name, added[0].thumbnail.name, added[1].file.name])
        assert _files(media) == expected and activity.attachments.count() == 2
        assert orphan_files(min_age_seconds=0) == []

    def test_a_later_step_of_the_same_form_failing_removes_the_photos(self, activity, media):
        """The activity form stores photos, then submits; a failing submit rolls back both."""
        with pytest.raises(IntegrityError), atomic_with_files():
            svc.attachments_add(activity=activity, uploads=[SimpleUploadedFile("a.jpg", _jpeg())])
            raise IntegrityError("submit failed")
        assert _files(media) == [] and not activity.attachments.exists()

    def test_practice_attachment_whose_save_fails_leaves_no_file(self, tree, users, media):
        from practice import services as ps
        from practice.models import Attachment

        brand = ps.brand_create(organization=tree.a1, name="红色引擎", launched_on=date(2025, 1, 1), by=users.staff)
        with mock.patch.object(Attachment, "save", _failing_on_call(1, Attachment.save)), \
                pytest.raises(IntegrityError):
            ps.attachment_add(owner=brand, upload=SimpleUploadedFile("a.jpg", _jpeg()), by=users.staff)
        assert _files(media) == []

    def test_rectification_report_whose_last_evidence_fails_leaves_no_file(self, tree, users, media):
        from evaluations import services as es
        from evaluations.models import Attachment

        rect = es.rectification_create(organization=tree.a1, problem="问题", requirement="要求",
                                       due_on=date.today() + timedelta(days=30), by=users.staff,
                                       responsible_person="张三")
        uploads = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)]
        with mock.patch.object(Attachment, "save", _failing_on_call(2, Attachment.save)), \
                pytest.raises(IntegrityError):
            es.rectification_report(rectification=rect, by=users.staff, text="已整改", uploads=uploads)
        assert _files(media) == [] and not rect.updates.exists()


# --- manage.py orphan_files ------------------------------------------------------------------------------------

def _age(path, seconds=7200):
    t = time.time() - seconds
    os.utime(path, (t, t))


@pytest.mark.django_db
class TestOrphanFilesCommand:
    @pytest.fixture
    def layout(self, activity, media, users):
        from reports.models import ReportJob

        att = svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("a.jpg", _jpeg()))
        report = default_storage.save("reports/A1/1/branch-2025.pdf", ContentFile(PDF))
        ReportJob.objects.create(kind="branch", organization=activity.organization, period="2025", file=report)
        stray = default_storage.save("activities/9/2025/01/stray.jpg", ContentFile(b"x" * 10))
        stray_report = default_storage.save("reports/A1/2/.branch-2025.pdf.abc.part", ContentFile(b"yy"))
        fresh = default_storage.save("evaluations/evidence/2025/01/fresh.pdf", ContentFile(PDF))
        for name in (att.file.name, att.thumbnail.name, report, stray, stray_report):
            _age(media / name)
        return {"kept": sorted([att.file.name, att.thumbnail.name, report]), "orphans": sorted([stray, stray_report]),
                "fresh": fresh}

    def test_dry_run_lists_exactly_the_unreferenced_files_and_deletes_nothing(self, layout, media):
        before = _files(media)
        out = io.StringIO()
        call_command("orphan_files", stdout=out)
        listed = sorted(line.split("\t")[0] for line in out.getvalue().splitlines() if "\t" in line)
        assert listed == layout["orphans"]               # the fresh file is inside the grace period
        assert "共 2 个未被引用的文件，12 字节" in out.getvalue()
        assert _files(media) == before

    def test_delete_removes_exactly_the_unreferenced_files(self, layout, media):
        call_command("orphan_files", "--delete", stdout=io.StringIO())
        assert _files(media) == sorted(layout["kept"] + [layout["fresh"]])

    def test_min_age_zero_includes_fresh_files(self, layout, media):
        call_command("orphan_files", "--delete", "--min-age", "0", stdout=io.StringIO())
        assert _files(media) == layout["kept"]

    def test_history_rows_count_as_references(self, activity, media):
        """A file an audit (history) row still names is kept even when the live row no longer names it."""
        att = svc.attachment_add(activity=activity, uploaded=SimpleUploadedFile("a.pdf", PDF))
        old = att.file.name
        ActivityAttachment.objects.filter(pk=att.pk).update(file="activities/other.pdf")
        assert att.history.filter(file=old).exists()
        assert orphan_files(min_age_seconds=0) == []

    def test_english_summary(self, media, settings):
        from django.utils import translation

        out = io.StringIO()
        with translation.override("en"):
            call_command("orphan_files", stdout=out)
        assert "0 unreferenced file(s), 0 bytes (nothing deleted" in out.getvalue()

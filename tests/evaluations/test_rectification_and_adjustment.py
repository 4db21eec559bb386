"""整改: create, report with evidence, verify and close or send back. Dynamic management: revoke / lower stars."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluations import services
from evaluations.models import AdjustmentKind, Rectification, RectificationStatus, Step

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rect(tree, users, **kw):
    return services.rectification_create(organization=tree.a1, problem="组织生活记录不全", requirement="补齐记录",
                                         due_on=date.today() + timedelta(days=30), responsible_person="林晓梅",
                                         by=users.reviewer, **kw)


def test_report_close_cycle(tree, users):
    r = _rect(tree, users)
    with pytest.raises(ValidationError, match="尚未报告"):
        services.rectification_close(rectification=r, by=users.reviewer, text="ok")
    services.rectification_report(rectification=r, by=users.secretary, text="已补齐",
                                  uploads=[SimpleUploadedFile("记录.pdf", PDF)])
    assert r.status == RectificationStatus.REPORTED and r.updates.get().attachments.get().content_type == "application/pdf"
    services.rectification_send_back(rectification=r, by=users.reviewer, text="缺 3 月记录")
    assert r.status == RectificationStatus.OPEN
    services.rectification_report(rectification=r, by=users.secretary, text="3 月记录已补")
    services.rectification_close(rectification=r, by=users.reviewer, text="核验通过", on=date(2026, 1, 5))
    r.refresh_from_db()
    assert r.status == RectificationStatus.CLOSED and r.closed_on == date(2026, 1, 5)
    assert list(r.updates.values_list("kind", flat=True)) == ["progress", "send_back", "progress", "close"]
    with pytest.raises(ValidationError, match="已销号"):
        services.rectification_report(rectification=r, by=users.secretary, text="再报")


def test_due_date_in_the_past_is_refused(tree, users):
    with pytest.raises(ValidationError):
        services.rectification_create(organization=tree.a1, problem="p", requirement="r", due_on=date(2020, 1, 1),
                                      by=users.staff)


def test_upload_type_is_read_from_the_content(tree, users):
    r = _rect(tree, users)
    fake = SimpleUploadedFile("看起来是.pdf", b"MZ\x90\x00 this is an executable")
    with pytest.raises(ValidationError, match="类型"):
        services.rectification_report(rectification=r, by=users.secretary, text="x", uploads=[fake])
    assert not r.updates.exists()


def test_upload_size_limit(tree, users, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 4)
    r = _rect(tree, users)
    with pytest.raises(ValidationError, match="不能超过"):
        services.rectification_report(rectification=r, by=users.secretary, text="x",
                                      uploads=[SimpleUploadedFile("a.pdf", PDF)])


def test_overdue_queryset(tree, users):
    r = _rect(tree, users)
    Rectification.objects.filter(pk=r.pk).update(due_on=date.today() - timedelta(days=1))
    assert list(Rectification.objects.overdue()) == [r]


@pytest.fixture
def published(ev_a1, users):
    ev_a1.step, ev_a1.stars, ev_a1.four_strong, ev_a1.total = Step.RESULT, 5, True, D(95)
    ev_a1.save()
    users.secretary.email = "sec@example.org"
    users.secretary.save()
    return ev_a1


def test_revoke_four_strong_with_reason_notifies_the_branch(published, users, django_capture_on_commit_callbacks, celery_eager):
    with django_capture_on_commit_callbacks(execute=True):
        adj = services.result_adjust(evaluation=published, by=users.staff, kind=AdjustmentKind.REVOKE_FOUR_STRONG,
                                     reason="发生违纪问题", uploads=[SimpleUploadedFile("通报.pdf", PDF)])
    published.refresh_from_db()
    assert not published.four_strong and published.stars == 5
    assert adj.attachments.count() == 1 and adj.by == users.staff
    assert [m.to for m in mail.outbox] == [["sec@example.org"]] and "撤销四强" in mail.outbox[0].body
    assert published.history.count() >= 2  # the change is in the history
    with pytest.raises(ValidationError, match="当前不是四强"):
        services.result_adjust(evaluation=published, by=users.staff, kind=AdjustmentKind.REVOKE_FOUR_STRONG,
                               reason="again")


def test_lower_stars_drops_four_strong_below_its_level(published, users):
    with pytest.raises(ValidationError, match="必须低于"):
        services.result_adjust(evaluation=published, by=users.staff, kind=AdjustmentKind.LOWER_STARS, reason="x",
                               to_stars=5)
    with pytest.raises(ValidationError):
        services.result_adjust(evaluation=published, by=users.staff, kind=AdjustmentKind.LOWER_STARS, reason=" ",
                               to_stars=3)
    services.result_adjust(evaluation=published, by=users.staff, kind=AdjustmentKind.LOWER_STARS,
                           reason="档案严重缺失", to_stars=2)
    published.refresh_from_db()
    assert (published.stars, published.four_strong) == (2, False)
    assert published.adjustments.get().from_stars == 5


def test_adjusting_an_unpublished_result_is_refused(ev_a1, users):
    with pytest.raises(ValidationError, match="已发布"):
        services.result_adjust(evaluation=ev_a1, by=users.staff, kind=AdjustmentKind.LOWER_STARS, reason="x",
                               to_stars=1)


def test_recheck_cycle_covers_only_designated_branches(published, users, tree, standard):
    from tests.evaluations.factories import make_cycle

    recheck = make_cycle(tree.root, standard[0], users.staff, year=2026, kind="recheck")
    assert list(recheck.evaluations.values_list("organization", flat=True)) == [tree.a1.pk]

"""Roles × objects × actions on the pages: grants and, just as carefully, denials (404 outside scope)."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# (url name, object key) -> what each role gets. 200 = allowed, 404 = outside scope / no right, 403 = no page access.
ORG_VIEW = [("branches:detail", "a1"), ("branches:detail", "b1"), ("branches:detail", "a1g")]
MATRIX = {
    # role        a1 view, b1 view, a1g view, a1 edit, b1 edit, m_a1 view, m_b1 view, m_a1 edit, m_b1 edit, m_a1 move
    "staff":     [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "staff_a":   [200, 404, 200, 200, 404, 200, 404, 200, 404, 200],
    "secretary": [200, 404, 200, 404, 404, 200, 404, 200, 404, 404],
    "reviewer":  [200, 200, 200, 404, 404, 200, 200, 404, 404, 404],
    "agency":    [403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "nobody":    [403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "superuser": [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
}


def targets(tree, members):
    return [
        reverse("branches:detail", args=[tree.a1.pk]),
        reverse("branches:detail", args=[tree.b1.pk]),
        reverse("branches:detail", args=[tree.a1g.pk]),
        reverse("branches:edit", args=[tree.a1.pk]),
        reverse("branches:edit", args=[tree.b1.pk]),
        reverse("members:detail", args=[members.a1.pk]),
        reverse("members:detail", args=[members.b1.pk]),
        reverse("members:edit", args=[members.a1.pk]),
        reverse("members:edit", args=[members.b1.pk]),
        reverse("members:move", args=[members.a1.pk]),
    ]


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix(client, tree, users, members, role):
    client.force_login(getattr(users, role))
    got = [client.get(url).status_code for url in targets(tree, members)]
    assert got == MATRIX[role]


def test_anonymous_is_sent_to_login(client, tree, members):
    for url in targets(tree, members) + [reverse("home"), reverse("members:list"), reverse("branches:tree")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_member_list_never_shows_rows_outside_scope(client, users, members):
    client.force_login(users.secretary)
    html = client.get(reverse("members:list")).content.decode()
    assert members.a1.name in html and members.a2.name not in html and members.b1.name not in html


def test_filtering_by_an_organization_outside_scope_is_rejected(client, tree, users, members):
    client.force_login(users.secretary)
    response = client.get(reverse("members:list"), {"organization": tree.b1.pk})
    assert members.b1.name not in response.content.decode()


def test_tree_lists_only_the_subtree(client, tree, users):
    client.force_login(users.staff_a)
    html = client.get(reverse("branches:tree")).content.decode()
    assert tree.a1.name in html and tree.b1.name not in html and tree.root.name not in html


def test_secretary_cannot_post_edit_outside_branch(client, tree, users, members):
    client.force_login(users.secretary)
    response = client.post(reverse("members:edit", args=[members.b1.pk]), {"name": "改名"})
    assert response.status_code == 404
    members.b1.refresh_from_db()
    assert members.b1.name == "乙一党员"


def test_secretary_cannot_create_member_in_other_branch(client, tree, users):
    client.force_login(users.secretary)
    response = client.post(reverse("members:create"), {"name": "越权", "branch": tree.b1.pk})
    assert response.status_code == 200
    assert "branch" in response.context["form"].errors


def test_full_id_number_only_for_staff_and_logged(client, tree, users):
    from members.models import PiiAccess
    from tests.members.factories import MemberFactory, valid_id_number

    number = valid_id_number(42)
    m = MemberFactory(branch=tree.a1, with_id=number)
    client.force_login(users.secretary)
    assert client.get(reverse("members:detail", args=[m.pk]), {"show_id": "1"}).status_code == 403
    assert number not in client.get(reverse("members:detail", args=[m.pk])).content.decode()
    client.force_login(users.staff)
    assert number in client.get(reverse("members:detail", args=[m.pk]), {"show_id": "1"}).content.decode()
    log = PiiAccess.objects.get()
    assert log.user == users.staff and log.member == m and log.action == "view_id"


def test_grants_page_staff_only(client, users):
    client.force_login(users.secretary)
    assert client.get(reverse("branches:grants")).status_code == 403
    client.force_login(users.staff_a)
    assert client.get(reverse("branches:grants")).status_code == 200


def test_staff_cannot_grant_outside_subtree(client, tree, users):
    client.force_login(users.staff_a)
    response = client.post(reverse("branches:grants"), {"username": "newsec", "full_name": "新书记",
                                                        "password": "a-Strong-pass-1", "role": "secretary",
                                                        "organization": tree.b1.pk})
    assert response.status_code == 200 and "organization" in response.context["form"].errors

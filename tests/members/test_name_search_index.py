"""The member list's name search can use the trigram index on PostgreSQL (migration 0014)."""
import pytest
from django.db import connection

from members.models import Member

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL only")
def test_name_search_uses_the_trigram_index():
    qs = Member.objects.filter(name__icontains="张建国")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # deterministic on a small table
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(plan)
    assert "members_member_name_trgm" in plan, plan

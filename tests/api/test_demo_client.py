"""The demo agency client: fixed README token only in DEBUG/demo, random otherwise; idempotent."""
from io import StringIO

from django.test import override_settings

from branches.api.authentication import hash_token
from branches.demo import DEMO_API_TOKEN, seed, seed_api_client
from branches.models import ApiClient


@override_settings(DEBUG=True)
def test_demo_token_is_fixed_in_debug(db):
    seed()
    out = StringIO()
    seed_api_client(stdout=out)
    seed_api_client(stdout=out)
    client = ApiClient.objects.get()
    assert client.token_hash == hash_token(DEMO_API_TOKEN) and client.grant_reports and not client.grant_pii
    assert DEMO_API_TOKEN in out.getvalue()


def test_demo_token_is_random_outside_debug(db):
    seed()
    out = StringIO()
    seed_api_client(stdout=out)
    client = ApiClient.objects.get()
    assert client.token_hash != hash_token(DEMO_API_TOKEN)
    assert client.token_prefix in out.getvalue()

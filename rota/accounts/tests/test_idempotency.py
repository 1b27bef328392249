"""Idempotency-Key: a retried API write is answered from the first response."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from rota.accounts.models import IdempotentRequest
from rota.catalog.models import AddOn

pytestmark = pytest.mark.django_db

TV: dict[str, Any] = {
    "code": "tv",
    "name": "IPTV",
    "monthly_price": "29.90",
    "segments": ["household"],
}


def create(api: Client, body: dict[str, Any], key: str | None = "k-1") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(
        "/api/v1/addons", json.dumps(body), content_type="application/json", headers=headers
    )


def test_retry_replays_the_first_response(api: Client) -> None:
    first = create(api, TV)
    again = create(api, TV)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AddOn.objects.count() == 1


def test_same_key_for_another_request_is_refused(api: Client) -> None:
    create(api, TV)
    other = create(api, {**TV, "code": "tv2"})
    assert other.status_code == 422
    assert other.json()["errors"] == [
        {"field": "Idempotency-Key", "message": "was already used for a different request"}
    ]
    assert list(AddOn.objects.values_list("code", flat=True)) == ["tv"]


def test_without_a_key_a_retry_is_a_new_request(api: Client) -> None:
    create(api, TV, key=None)
    duplicate = create(api, TV, key=None)
    assert duplicate.status_code == 422
    assert IdempotentRequest.objects.count() == 0


def test_keys_belong_to_their_caller(api: Client, make_token: Callable[..., str]) -> None:
    create(api, TV)
    other_secret = make_token("catalog:read", "catalog:write", name="crm")
    other = Client(headers={"Authorization": f"Bearer {other_secret}"})
    response = create(other, {**TV, "code": "tv2"})
    assert response.status_code == 201
    assert AddOn.objects.count() == 2


def test_unauthenticated_attempts_are_not_stored(client: Client) -> None:
    anonymous = Client(headers={"Authorization": "Bearer rota_nope"})
    assert create(anonymous, TV).status_code == 401
    assert IdempotentRequest.objects.count() == 0


def test_a_key_still_running_gives_409(api: Client) -> None:
    create(api, TV)
    IdempotentRequest.objects.update(status=None)
    response = create(api, TV)
    assert response.status_code == 409


def test_overlong_key_is_refused(api: Client) -> None:
    response = create(api, TV, key="x" * 201)
    assert response.status_code == 422
    assert AddOn.objects.count() == 0


def test_a_revoked_token_cannot_replay(api: Client) -> None:
    from rota.accounts.models import ApiToken
    from rota.accounts.services import token_revoke
    from rota.audit.actors import Actor

    create(api, TV)
    token_revoke(token=ApiToken.objects.get(), actor=Actor.system("test"))
    assert create(api, TV).status_code == 401

"""Roles, the first administrator and API tokens from the command line and the back office."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client

from rota.accounts import roles
from rota.accounts.models import ApiToken
from rota.accounts.services import token_digest
from rota.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_roles_exist_with_exactly_their_permissions() -> None:
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(roles.ROLES)
    for role, expected in roles.ROLE_PERMISSIONS.items():
        granted = {
            f"{app}.{codename}"
            for app, codename in Group.objects.get(name=role).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted == set(expected), role
    auditor = set(roles.ROLE_PERMISSIONS[roles.AUDITOR])
    assert all(p.split(".")[1].startswith("view_") for p in auditor)


def test_token_create_prints_it_once_and_stores_only_a_digest(client: Client) -> None:
    secret, message = run("token", "create", "--name", "website", "--scope", "catalog:read")
    secret = secret.strip()
    assert secret.startswith("rota_") and len(secret) > 40
    assert "shown only once" in message
    token = ApiToken.objects.get()
    assert (token.name, token.scopes, token.digest) == (
        "website",
        ["catalog:read"],
        token_digest(secret),
    )
    assert secret not in str(list(ApiToken.objects.values()))
    authed = Client(headers={"Authorization": f"Bearer {secret}"})
    assert authed.get("/api/v1/offers").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None

    listing, _ = run("token", "list")
    assert "website" in listing and "catalog:read" in listing and "active" in listing

    out, _ = run("token", "revoke", "--name", "website")
    assert out.strip() == "Token 'website' revoked."
    assert authed.get("/api/v1/offers").status_code == 401
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "token.create",
        "token.revoke",
    ]


def test_token_create_refuses_unknown_scopes_and_duplicates() -> None:
    with pytest.raises(CommandError) as exc:
        run("token", "create", "--name", "x", "--scope", "everything")
    assert str(exc.value) == (
        "scopes: unknown scope(s): everything; known: "
        "billing:read, billing:write, catalog:read, catalog:write, customers:read, customers:write, "
        "kpis:read, planning:read, planning:write, support:read, support:write"
    )
    run("token", "create", "--name", "x", "--scope", "catalog:read")
    with pytest.raises(CommandError) as exc:
        run("token", "create", "--name", "x", "--scope", "catalog:read")
    assert str(exc.value) == "name: a token named 'x' already exists"
    assert ApiToken.objects.count() == 1
    with pytest.raises(CommandError):
        run("token", "revoke", "--name", "nope")


def test_ensure_admin_prints_a_password_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROTA_ADMIN_PASSWORD", raising=False)
    out, _ = run("ensure_admin")
    password = out.split("password '")[1].split("'")[0]
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    assert list(user.groups.values_list("name", flat=True)) == ["administrator"]
    again, _ = run("ensure_admin")
    assert again.strip() == "An administrator already exists."
    assert User.objects.count() == 1


def test_ensure_admin_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROTA_ADMIN_PASSWORD", "correct-horse-battery")
    out, _ = run("ensure_admin")
    assert "correct-horse-battery" not in out
    assert User.objects.get(username="admin").check_password("correct-horse-battery")


def test_tokens_in_the_back_office(
    admin_user: User, sales_user: User, login: Callable[[User], Client]
) -> None:
    admin = login(admin_user)
    response = admin.post(
        "/admin/accounts/apitoken/add/",
        {"name": "crm", "scopes": ["catalog:read", "catalog:write"]},
        follow=True,
    )
    page = response.content.decode()
    secret = page.split("shown only once: ")[1].split("<")[0].strip()
    token = ApiToken.objects.get(name="crm")
    assert token.digest == token_digest(secret)
    assert token.created_by == admin_user

    revoke_url = f"/admin/accounts/apitoken/{token.pk}/revoke/"
    assert login(sales_user).post(revoke_url).status_code == 403
    assert ApiToken.objects.get(pk=token.pk).is_active
    assert admin.get(revoke_url).status_code == 200
    admin.post(revoke_url)
    assert not ApiToken.objects.get(pk=token.pk).is_active
    assert login(sales_user).get("/admin/accounts/apitoken/").status_code == 403


def test_ensure_admin_says_when_the_environment_password_is_not_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROTA_ADMIN_PASSWORD", "first-password-123")
    run("ensure_admin")
    monkeypatch.setenv("ROTA_ADMIN_PASSWORD", "second-password-456")
    out, _ = run("ensure_admin", "--username", "anna")
    assert out.strip() == "An administrator already exists. ROTA_ADMIN_PASSWORD was not applied."
    assert not User.objects.filter(username="anna").exists()
    assert User.objects.get(username="admin").check_password("first-password-123")


def test_token_names_are_limited_to_100_characters() -> None:
    with pytest.raises(CommandError) as exc:
        run("token", "create", "--name", "x" * 101, "--scope", "catalog:read")
    assert str(exc.value) == "name: must be at most 100 characters"
    assert ApiToken.objects.count() == 0


def test_staff_user_changes_are_audited(admin_user: User, login: Callable[[User], Client]) -> None:
    admin = login(admin_user)
    response = admin.post(
        "/admin/auth/user/add/",
        {
            "username": "anna.kowalska",
            "password1": "Rota-staff-pass-2026",
            "password2": "Rota-staff-pass-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    anna = User.objects.get(username="anna.kowalska")
    event = AuditEvent.objects.get(action="user.create", object_id=str(anna.pk))
    assert event.actor_label == "administrator"
    assert event.changes["password"] == "changed"
    assert "Rota-staff-pass-2026" not in str(event.changes)

"""Shared fixtures: one persona per staff role, API tokens and the demo catalog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from rota.accounts import roles
from rota.accounts.services import token_create
from rota.audit.actors import Actor
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create
from rota.demo.services import demo_catalog_load


@pytest.fixture(autouse=True)
def _tasks_and_cache_in_process(settings: Any) -> None:
    """Run queued tasks in the process that queues them, and keep the cache in memory."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _persona(role: str) -> User:
    user = User.objects.create_user(username=role, password=f"{role}-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return _persona(roles.ADMINISTRATOR)


@pytest.fixture
def sales_user(db: None) -> User:
    return _persona(roles.SALES)


@pytest.fixture
def finance_user(db: None) -> User:
    return _persona(roles.FINANCE)


@pytest.fixture
def support_user(db: None) -> User:
    return _persona(roles.SUPPORT)


@pytest.fixture
def planner_user(db: None) -> User:
    return _persona(roles.PLANNER)


@pytest.fixture
def auditor_user(db: None) -> User:
    return _persona(roles.AUDITOR)


@pytest.fixture
def login() -> Callable[[User], Client]:
    """Return a client logged in as the given user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def demo_catalog(db: None, actor: Actor) -> None:
    demo_catalog_load(actor=actor)


PIEKARNIA = {
    "kind": "company",
    "company_name": "Piekarnia Nowak sp. z o.o.",
    "tax_id": "5260001246",
    "street": "ul. Rynek",
    "building": "1",
    "postal_code": "26-600",
    "city": "Radom",
}


@pytest.fixture
def firma(demo_catalog: None, actor: Actor) -> Customer:
    """A business customer: a bakery in Radom."""
    return customer_create(data=CustomerData(**PIEKARNIA), actor=actor)


@pytest.fixture
def make_token(db: None, actor: Actor) -> Callable[..., str]:
    """Return a function creating a token with the given scopes and returning its secret."""

    def make(*scopes: str, name: str = "website") -> str:
        return token_create(name=name, scopes=list(scopes), actor=actor)[1]

    return make


@pytest.fixture
def api(make_token: Callable[..., str]) -> Client:
    """A client authenticated with a catalog:read + catalog:write token."""
    secret = make_token("catalog:read", "catalog:write")
    return Client(headers={"Authorization": f"Bearer {secret}"})

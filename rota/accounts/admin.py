"""Staff users, roles and API tokens in the back office."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from rota.accounts.models import ApiToken
from rota.accounts.scopes import SCOPES
from rota.accounts.services import staff_user_record, token_create, token_revoke
from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.core.errors import DomainError

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "first_name", "last_name", "email", "roles", "is_active"]

    @display(description="roles")
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all()) or "-"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        staff_user_record(
            user=form.instance,
            created=not change,
            changed=list(form.changed_data),
            actor=Actor.for_user(request.user),
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            with transaction.atomic():
                staff_user_record(
                    user=User.objects.get(pk=id),
                    created=False,
                    changed=["password"],
                    actor=Actor.for_user(request.user),
                )
        return response


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in SCOPES], widget=UnfoldAdminCheckboxSelectMultipleWidget
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "scope_list", "created_at", "last_used_at", "state"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = None
    actions_detail = ["revoke_action"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "scopes"]
        return ["name", "scope_list", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else ["name", "scope_list", *self.readonly_fields]

    @display(description="scopes")
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes)

    @display(description="state", label={"active": "success", "revoked": "danger"})
    def state(self, obj: ApiToken) -> str:
        return "active" if obj.is_active else "revoked"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("accounts.change_apitoken"):
            return False
        return object_id is None or get_object_or_404(ApiToken, pk=object_id).is_active

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        token, secret = token_create(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            actor=Actor.for_user(request.user),
            created_by_id=request.user.pk,
        )
        obj.pk = token.pk
        self.message_user(
            request,
            f"Token {token.name} created. Copy it now, it is shown only once: {secret}",
            level=messages.WARNING,
        )

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        return HttpResponseRedirect(reverse("admin:accounts_apitoken_changelist"))

    @action(description="Revoke", url_path="revoke", permissions=["revoke"], icon="block")
    def revoke_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        token = get_object_or_404(ApiToken, pk=object_id)
        change_url = reverse("admin:accounts_apitoken_change", args=[token.pk])
        if request.method != "POST":
            return TemplateResponse(
                request,
                "accounts/confirm_revoke.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": f"Revoke token {token.name}?",
                    "token": token,
                    "cancel_url": change_url,
                },
            )
        try:
            token_revoke(token=token, actor=Actor.for_user(request.user))
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
        else:
            self.message_user(request, f"Token {token.name} revoked.", level=messages.SUCCESS)
        return HttpResponseRedirect(change_url)

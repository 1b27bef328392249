"""The catalog in the back office: offers with their versions, the price list, add-ons."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.catalog import selectors, services
from rota.catalog.forms import AddOnForm, OfferVersionForm, PricePhaseForm, PricePhaseFormSet
from rota.catalog.models import AddOn, Feature, OfferVersion, PricePhase, VersionStatus
from rota.core.errors import DomainError
from rota.core.money import format_amount
from rota.installation.selectors import money_formatter

STATUS_LABELS = {
    VersionStatus.DRAFT: "warning",
    VersionStatus.ACTIVE: "success",
    VersionStatus.SUPERSEDED: "info",
    VersionStatus.RETIRED: "danger",
}


class VersionShownFilter(SimpleListFilter):
    """Show the versions that matter now unless the user asks for the history."""

    title = "versions"
    parameter_name = "versions"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("all", "All, with superseded history")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "all":
            return queryset
        return queryset.exclude(status=VersionStatus.SUPERSEDED)


class PricePhaseInline(TabularInline):
    model = PricePhase
    form = PricePhaseForm
    formset = PricePhaseFormSet
    extra = 2
    verbose_name = "price phase"
    verbose_name_plural = "contract terms and prices (from contract month N, monthly price)"
    fields = ["term_months", "from_month", "monthly_price"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.change_offerversion") and (
            obj is None or obj.is_editable
        )

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.view_offerversion")


@admin.register(OfferVersion)
class OfferVersionAdmin(AuditedAdminMixin, ModelAdmin):
    form = OfferVersionForm
    inlines = [PricePhaseInline]
    list_display = [
        "code",
        "name",
        "segment",
        "technology",
        "speed",
        "prices",
        "status_badge",
        "number",
    ]
    list_display_links = ["code", "name"]
    list_filter = [VersionShownFilter, "status", "offer__segment", "technology"]
    search_fields = ["offer__code", "name", "tagline"]
    actions = None
    actions_detail = ["publish_action", "new_version_action", "retire_action"]
    fieldsets = [
        (None, {"fields": ["code", "segment", "name", "tagline", "description"]}),
        (
            "Service",
            {
                "fields": [
                    "technology",
                    ("download_mbps", "upload_mbps"),
                    "symmetric",
                    "data_cap_gb",
                    "features",
                ]
            },
        ),
        (
            "Prices and contract",
            {
                "fields": [
                    "prices_include_tax",
                    "tax_rate",
                    "early_termination_rule",
                    "early_termination_amount",
                    "addons",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OfferVersion]:
        return (
            super()
            .get_queryset(request)
            .select_related("offer")
            .prefetch_related("phases", "addons")
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not obj.is_editable:
            return [
                (
                    None,
                    {"fields": ["code", "segment", "status", "number", "name", "tagline"]},
                ),
                ("Service", {"fields": ["technology", "speed", "data_cap", "feature_list"]}),
                (
                    "Prices and contract",
                    {
                        "fields": [
                            "schedule",
                            "tax",
                            "early_termination",
                            "addon_list",
                            "published_at",
                            "ended_at",
                        ]
                    },
                ),
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not obj.is_editable:
            return [
                "code",
                "segment",
                "status",
                "number",
                "name",
                "tagline",
                "technology",
                "speed",
                "data_cap",
                "feature_list",
                "schedule",
                "tax",
                "early_termination",
                "addon_list",
                "published_at",
                "ended_at",
            ]
        return []

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is not None and not obj.is_editable else self.inlines

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.add_offerversion")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = request.user.has_perm("catalog.change_offerversion")
        return allowed and (obj is None or obj.is_editable)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = request.user.has_perm("catalog.change_offerversion")
        return allowed and obj is not None and obj.is_editable

    def _version(self, object_id: Any) -> OfferVersion:
        return get_object_or_404(OfferVersion.objects.select_related("offer"), pk=object_id)

    def has_publish_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("catalog.change_offerversion"):
            return False
        return object_id is None or self._version(object_id).status == VersionStatus.DRAFT

    def has_retire_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("catalog.change_offerversion"):
            return False
        return object_id is None or self._version(object_id).status == VersionStatus.ACTIVE

    def has_new_version_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not self.has_retire_permission(request, object_id):
            return False
        return (
            object_id is None
            or not self._version(object_id)
            .offer.versions.filter(status=VersionStatus.DRAFT)
            .exists()
        )

    # Columns and read-only fields.
    @display(description="code", ordering="offer__code")
    def code(self, obj: OfferVersion) -> str:
        return obj.offer.code

    @display(description="segment", ordering="offer__segment")
    def segment(self, obj: OfferVersion) -> str:
        return obj.offer.get_segment_display()

    @display(description="speed")
    def speed(self, obj: OfferVersion) -> str:
        text = f"{obj.download_mbps}/{obj.upload_mbps} Mb/s"
        return text + (" symmetric" if obj.symmetric else "")

    @display(description="data cap")
    def data_cap(self, obj: OfferVersion) -> str:
        return "unlimited" if obj.data_cap_gb is None else f"{obj.data_cap_gb} GB"

    @display(description="features")
    def feature_list(self, obj: OfferVersion) -> str:
        labels = dict(Feature.choices)
        return ", ".join(str(labels.get(f, f)) for f in obj.features) or "-"

    @display(description="prices")
    def prices(self, obj: OfferVersion) -> str:
        money = money_formatter()
        return "; ".join(
            f"{months} mo: {selectors.describe_schedule(phases, money)}"
            for months, phases in selectors.terms_of(obj).items()
        )

    @display(description="contract terms and prices")
    def schedule(self, obj: OfferVersion) -> str:
        return self.prices(obj) or "-"

    @display(description="tax")
    def tax(self, obj: OfferVersion) -> str:
        basis = "prices include tax" if obj.prices_include_tax else "prices are net"
        return f"{obj.tax_rate * 100:.2f}% ({basis})"

    @display(description="early-termination fee")
    def early_termination(self, obj: OfferVersion) -> str:
        label = obj.get_early_termination_rule_display()
        if obj.early_termination_amount_minor:
            return f"{label}: {format_amount(obj.early_termination_amount_minor)}"
        return label

    @display(description="allowed add-ons")
    def addon_list(self, obj: OfferVersion) -> str:
        return ", ".join(a.code for a in obj.addons.all()) or "-"

    @display(description="status", label=STATUS_LABELS)
    def status_badge(self, obj: OfferVersion) -> str:
        return obj.status

    # Writes go through the services; the admin only parses and renders.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Do nothing here: save_related calls the service with the price schedule too."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        terms = next((fs.terms() for fs in formsets if isinstance(fs, PricePhaseFormSet)), ())
        data = form.version_data(terms)
        actor = Actor.for_user(request.user)
        if change:
            version = services.offer_draft_update(version=form.instance, data=data, actor=actor)
        else:
            version = services.offer_create(
                code=form.cleaned_data["code"],
                segment=form.cleaned_data["segment"],
                data=data,
                actor=actor,
            )
        form.instance.pk = version.pk
        form.instance.offer = version.offer
        form.instance.number = version.number

    def delete_model(self, request: HttpRequest, obj: OfferVersion) -> None:
        services.offer_draft_delete(version=obj, actor=Actor.for_user(request.user))

    def construct_change_message(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Return nothing: the formsets are saved by the service, not by the admin."""
        return []

    # Lifecycle actions: GET shows what will happen, POST does it.
    def _lifecycle(
        self, request: HttpRequest, object_id: Any, *, verb: str, explain: str, run: Any
    ) -> HttpResponse:
        if not request.user.has_perm("catalog.change_offerversion"):
            raise PermissionDenied
        version = self._version(object_id)
        if request.method == "POST":
            try:
                result = run(version, Actor.for_user(request.user))
            except DomainError as exc:
                details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
                self.message_user(request, f"{exc.detail} {details}".strip(), level=messages.ERROR)
                result = version
            else:
                self.message_user(request, f"{result}: {verb} done.", level=messages.SUCCESS)
            return HttpResponseRedirect(
                reverse("admin:catalog_offerversion_change", args=[result.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{verb.capitalize()} {version.name} (version {version.number})?",
            "version": version,
            "verb": verb,
            "explain": explain,
            "schedule": self.prices(version),
        }
        return TemplateResponse(request, "catalog/confirm_lifecycle.html", context)

    @action(description="Publish", url_path="publish", permissions=["publish"], icon="publish")
    def publish_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._lifecycle(
            request,
            object_id,
            verb="publish",
            explain="The version goes on sale and can no longer be edited. "
            "The version sold until now is superseded; its customers keep it.",
            run=lambda v, actor: services.offer_publish(version=v, actor=actor),
        )

    @action(
        description="New version", url_path="new-version", permissions=["new_version"], icon="edit"
    )
    def new_version_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._lifecycle(
            request,
            object_id,
            verb="start a new version of",
            explain="A draft copy is created for you to change prices or details. "
            "The current version stays on sale until you publish the draft.",
            run=lambda v, actor: services.offer_new_draft(offer=v.offer, actor=actor),
        )

    @action(description="Retire", url_path="retire", permissions=["retire"], icon="block")
    def retire_action(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._lifecycle(
            request,
            object_id,
            verb="retire",
            explain="The offer can no longer be sold. Customers who have it keep it "
            "and go on being billed for it.",
            run=lambda v, actor: services.offer_retire(offer=v.offer, actor=actor),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "price-list/",
                self.admin_site.admin_view(self.price_list_view),
                name="catalog_price_list",
            ),
            *super().get_urls(),
        ]

    def price_list_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("catalog.view_offerversion"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Price list",
            "rows": selectors.price_list(money_formatter()),
        }
        return TemplateResponse(request, "catalog/price_list.html", context)


@admin.register(AddOn)
class AddOnAdmin(AuditedAdminMixin, ModelAdmin):
    list_display = ["code", "name", "price", "for_household", "for_business", "is_active"]
    list_filter = ["is_active", "for_household", "for_business"]
    search_fields = ["code", "name"]
    actions = None
    form = AddOnForm

    @display(description="monthly price", ordering="monthly_price_minor")
    def price(self, obj: AddOn) -> str:
        return money_formatter()(obj.monthly_price_minor)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AddOn, form: Any, change: bool) -> None:
        values = form.service_values()
        actor = Actor.for_user(request.user)
        if change:
            saved = services.addon_update(addon=obj, changes=values, actor=actor)
        else:
            saved = services.addon_create(
                code=form.cleaned_data["code"], values=values, actor=actor
            )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Add-ons have no related objects to save."""

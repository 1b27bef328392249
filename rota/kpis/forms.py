"""The dashboard's month picker and filters: parse them; the selectors check them."""

from __future__ import annotations

from django import forms
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from rota.catalog.models import Offer, Segment, Technology


class DashboardForm(forms.Form):
    month = forms.CharField(
        max_length=7,
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"type": "month"}),
        help_text="YYYY-MM",
    )
    segment = forms.ChoiceField(
        required=False,
        choices=[("", "All segments"), *Segment.choices],
        widget=UnfoldAdminSelectWidget,
    )
    offer = forms.ChoiceField(required=False, widget=UnfoldAdminSelectWidget)
    technology = forms.ChoiceField(
        required=False,
        choices=[("", "All technologies"), *Technology.choices],
        widget=UnfoldAdminSelectWidget,
    )
    municipality = forms.CharField(
        max_length=20,
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "code, e.g. 1465011"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        codes = Offer.objects.order_by("segment", "code").values_list("code", flat=True)
        self.fields["offer"].choices = [("", "All offers"), *((c, c) for c in codes)]  # type: ignore[attr-defined]

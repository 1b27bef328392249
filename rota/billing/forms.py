"""The billing run form: parse the period and issue date; the service decides."""

from __future__ import annotations

from django import forms
from unfold.widgets import (
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)


class RunForm(forms.Form):
    period = forms.CharField(
        max_length=7, help_text="The month to bill, YYYY-MM", widget=UnfoldAdminTextInputWidget
    )
    issue_date = forms.DateField(
        required=False, help_text="Empty: today", widget=UnfoldAdminSingleDateWidget
    )
    dry_run = forms.BooleanField(
        label="Preview only (write nothing)",
        required=False,
        initial=True,
        widget=UnfoldBooleanSwitchWidget,
    )

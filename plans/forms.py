"""Browser forms of the plans app; the services in plans/services.py do the writes."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, User
from kam.forms import ISO_DATE, ServiceModelForm

from .models import AccountPlan, Action, Objective, Tender

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class PlanForm(ServiceModelForm):
    class Meta:
        model = AccountPlan
        fields = [
            "title",
            "period_start",
            "period_end",
            "status",
            "revenue_target",
            "client_goals",
            "our_strategy",
            "mutual_value",
        ]
        widgets = {
            "period_start": ISO_DATE,
            "period_end": ISO_DATE,
            "client_goals": forms.Textarea(attrs={"rows": 5}),
            "our_strategy": forms.Textarea(attrs={"rows": 5}),
            "mutual_value": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class ObjectiveForm(ServiceModelForm):
    prefix = "objective"

    class Meta:
        model = Objective
        fields = ["description", "measure", "target", "current", "due", "status"]
        widgets = {"due": ISO_DATE}


def team_of(account: Account, *, plus: User):
    """People who may own an action: the account's owner and team, and whoever plans it."""
    return (
        User.objects.filter(
            Q(pk=account.owner_id) | Q(team_accounts=account) | Q(pk=plus.pk), is_active=True
        )
        .distinct()
        .order_by("last_name", "username")
    )


class ActionForm(ServiceModelForm):
    prefix = "action"

    class Meta:
        model = Action
        fields = ["description", "objective", "owner", "due"]
        widgets = {"due": ISO_DATE}

    def __init__(self, *args, plan: AccountPlan, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = plan.objectives.order_by("due", "id")
        self.fields["objective"].empty_label = _("No objective")
        self.fields["owner"].queryset = team_of(plan.account, plus=user)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        if not self.is_bound:
            self.initial.setdefault("owner", user.pk)


class TenderForm(ServiceModelForm):
    class Meta:
        model = Tender
        fields = [
            "account",
            "title",
            "reference",
            "platform",
            "submission_deadline",
            "estimated_value",
            "our_bid",
            "currency",
            "competitors",
            "decision_date",
        ]
        widgets = {
            "decision_date": ISO_DATE,
            "submission_deadline": DATETIME,
            "competitors": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_deadline"].input_formats = DATETIME_FORMATS
        if self.instance.pk:
            del self.fields["account"]  # a tender stays with its account
        else:
            self.fields["account"].queryset = accounts


class TenderStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to stage"), choices=Tender.Stage.choices)
    reason = forms.CharField(
        label=_("Reason (won or lost)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("stage") in Tender.CLOSED_WITH_REASON and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the tender was won or lost."))
        return data


class TenderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("Open stages")), ("all", _("All stages")), *Tender.Stage.choices],
    )

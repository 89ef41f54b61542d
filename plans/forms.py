"""Browser forms of the plans app; the services in plans/services.py do the writes."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.access import user_scope
from accounts.models import Account, Contact, User
from kam.forms import ISO_DATE, ServiceModelForm

from . import categories
from .documents import ACCEPT
from .models import AccountPlan, Action, Contract, Objective, Opportunity, Tender

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


class OpportunityForm(ServiceModelForm):
    """Create (with the account) or edit an opportunity; its stage moves with the stage
    form (won or lost need a reason there)."""

    category_id = forms.TypedChoiceField(
        label=_("Product category"), required=False, coerce=int, empty_value=None
    )

    class Meta:
        model = Opportunity
        fields = [
            "account",
            "title",
            "category_id",
            "value",
            "currency",
            "probability",
            "expected_close",
            "objective",
            "owner",
        ]
        widgets = {"expected_close": ISO_DATE}

    def __init__(self, *args, accounts, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [("", _("No category")), *categories.choices()]
        self.fields["probability"].widget.attrs.update(min=0, max=100)
        self.fields["objective"].empty_label = _("No objective")
        if self.instance.pk:
            del self.fields["account"]  # an opportunity stays with its account
            account = self.instance.account
            self.fields["objective"].queryset = Objective.objects.filter(
                plan__account=account
            ).order_by("due", "id")
            self.fields["owner"].queryset = team_of(account, plus=user)
            self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        else:
            del self.fields["owner"]  # whoever creates it, until reassigned
            self.fields["account"].queryset = accounts
            self.fields["objective"].queryset = (
                Objective.objects.filter(plan__account__in=accounts)
                .select_related("plan__account")
                .order_by("plan__account__name", "due", "id")
            )
            self.fields["objective"].label_from_instance = (
                lambda o: f"{o.plan.account.name}: {o.description}"
            )
            if not self.is_bound:
                self.initial.setdefault("currency", settings.BASE_CURRENCY)

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").upper()
        if len(value) != 3 or not value.isalpha():
            raise forms.ValidationError(_("Use a three-letter ISO 4217 code, e.g. RUB."))
        return value


class OpportunityStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to stage"), choices=Opportunity.Stage.choices)
    reason = forms.CharField(
        label=_("Reason (won or lost)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("stage") in Opportunity.CLOSED_WITH_REASON and not (
            data.get("reason", "").strip()
        ):
            self.add_error("reason", _("Say why the opportunity was won or lost."))
        return data


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("Open stages")), ("all", _("All stages")), *Opportunity.Stage.choices],
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)


class StageProbabilitiesForm(forms.Form):
    """One number field per open stage of both pipelines (`opportunity-idea`, …)."""

    def __init__(self, *args, table: dict[str, dict[str, int]], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "opportunity": dict(Opportunity.Stage.choices),
            "tender": dict(Tender.Stage.choices),
        }
        for kind, stages in table.items():
            for stage, percent in stages.items():
                self.fields[f"{kind}-{stage}"] = forms.IntegerField(
                    label=labels[kind][stage],
                    min_value=0,
                    max_value=100,
                    initial=percent,
                )

    def by_kind(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for name, value in self.cleaned_data.items():
            kind, stage = name.split("-", 1)
            result.setdefault(kind, {})[stage] = value
        return result

    def fields_of(self, kind: str) -> list:
        return [self[name] for name in self.fields if name.startswith(f"{kind}-")]


class ContractForm(ServiceModelForm):
    """Create (with the account) or edit a contract; plans.services checks the dates, the
    signatory's and the tender's account."""

    class Meta:
        model = Contract
        fields = [
            "account",
            "number",
            "title",
            "kind",
            "status",
            "start_date",
            "end_date",
            "notice_days",
            "auto_renewal",
            "annual_value",
            "currency",
            "payment_terms",
            "client_signatory",
            "our_signatory",
            "tender",
            "notes",
        ]
        widgets = {
            "start_date": ISO_DATE,
            "end_date": ISO_DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, accounts, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_signatory"].empty_label = _("Nobody yet")
        self.fields["our_signatory"].empty_label = _("Nobody yet")
        self.fields["tender"].empty_label = _("No tender")
        self.fields["notice_days"].widget.attrs.update(min=0)
        won = Tender.objects.filter(stage=Tender.Stage.WON)
        if self.instance.pk:
            del self.fields["account"]  # a contract stays with its account
            account = self.instance.account
            self.fields["client_signatory"].queryset = Contact.objects.filter(
                account=account
            ).order_by("name")
            self.fields["tender"].queryset = won.filter(account=account).order_by("-id")
            self.fields["our_signatory"].queryset = team_of(account, plus=user)
        else:
            self.fields["account"].queryset = accounts
            self.fields["client_signatory"].queryset = (
                Contact.objects.filter(account__in=accounts)
                .select_related("account")
                .order_by("account__name", "name")
            )
            self.fields["client_signatory"].label_from_instance = (
                lambda c: f"{c.account.name}: {c.name}"
            )
            self.fields["tender"].queryset = (
                won.filter(account__in=accounts)
                .select_related("account")
                .order_by("account__name", "-id")
            )
            self.fields["tender"].label_from_instance = lambda t: f"{t.account.name}: {t.title}"
            self.fields["our_signatory"].queryset = user_scope(user=user).order_by(
                "last_name", "username"
            )
            if not self.is_bound:
                self.initial.setdefault("currency", settings.BASE_CURRENCY)
                self.initial.setdefault("our_signatory", user.pk)
        self.fields["our_signatory"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").upper()
        if len(value) != 3 or not value.isalpha():
            raise forms.ValidationError(_("Use a three-letter ISO 4217 code, e.g. RUB."))
        return value


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Contract.Status.choices],
    )
    renewing = forms.BooleanField(label=_("Renewing soon"), required=False)


class ContractDocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Document (PDF, DOCX or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

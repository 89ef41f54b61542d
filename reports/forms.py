"""Forms of the report pages: the period picker, the accounts-table filters, bulk reassign."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Region, User
from accounts.selectors import assignable_user_list, my_accounts
from kam.forms import ModelMultipleIdsField
from plans.models import Target

from .metrics.periods import Period, parse_period
from .models import WhiteSpaceCell
from .portfolio.accounts import (
    filter_no_interaction_since,
    filter_without_plan,
    with_last_interaction,
)
from .portfolio.matrix import criterion_label
from .portfolio.periods import DEFAULT_PERIOD
from .portfolio.targets import this_years_attainment


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        required=False,
        help_text=_("A month (2025-07), a quarter (2025-Q3), a year (2025) or ttm."),
    )

    def clean_period(self) -> Period:
        try:
            return parse_period(self.cleaned_data.get("period") or DEFAULT_PERIOD)
        except ValidationError as exc:
            raise forms.ValidationError(
                _("Use a month (2025-07), a quarter (2025-Q3), a year (2025) or ttm.")
            ) from exc


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class SortFilter(django_filters.OrderingFilter):
    """Sort by a column; empty values always sort last, ties by name then id."""

    def get_ordering_value(self, param: str):
        descending = param.startswith("-")
        name = self.param_map[param.lstrip("-")]
        expr = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        return expr

    def filter(self, qs, value):
        if not value:
            value = ["-revenue"]
        if any(v.lstrip("-") == "last_interaction" for v in value):
            qs = with_last_interaction(qs)
        if any(v.lstrip("-") == "attainment" for v in value) and (
            "attainment" not in qs.query.annotations
        ):
            qs = this_years_attainment(qs)
        return qs.order_by(*[self.get_ordering_value(v) for v in value], "name", "pk")


class AccountTableFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or external id"))
    owner = django_filters.ModelChoiceFilter(
        queryset=assignable_user_list(), label=_("Owner"), empty_label=_("Any owner")
    )
    member = django_filters.ModelChoiceFilter(
        queryset=assignable_user_list(),
        method="filter_member",
        label=_("Owner or team member"),
        empty_label=_("Anyone"),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.order_by("name"), label=_("Region"), empty_label=_("Any region")
    )
    tier = django_filters.ChoiceFilter(
        choices=Account.Tier.choices, label=_("Tier"), empty_label=_("Any tier")
    )
    key = django_filters.BooleanFilter(
        field_name="is_key",
        label=_("Key account"),
        widget=forms.Select(
            choices=[("", _("Key or not")), ("true", _("Key")), ("false", _("Not key"))]
        ),
    )
    status = django_filters.ChoiceFilter(
        choices=Account.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    quadrant = django_filters.ChoiceFilter(
        choices=Account.Quadrant.choices,
        label=_("Matrix quadrant"),
        empty_label=_("Any quadrant"),
    )
    quiet_days = django_filters.NumberFilter(
        method="filter_quiet",
        label=_("No interaction in N days"),
        min_value=1,
        max_value=3650,
    )
    no_plan = django_filters.BooleanFilter(
        method="filter_no_plan",
        label=_("No plan for this year"),
        widget=forms.CheckboxInput,
    )
    sort = SortFilter(
        fields=(
            ("name", "name"),
            ("owner__username", "owner"),
            ("region__name", "region"),
            ("tier", "tier"),
            ("ttm_revenue", "revenue"),
            ("ttm_share", "share"),
            ("ttm_growth", "growth"),
            ("ttm_penetration", "penetration"),
            ("last_interaction_at", "last_interaction"),
            ("attainment", "attainment"),
        ),
        label=_("Sort"),
    )

    class Meta:
        model = Account
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(external_id__iexact=value))

    def filter_member(self, qs, name, value):
        # The person's own accounts as their home page lists them (and the workload counts).
        return qs.filter(pk__in=my_accounts(user=value).values("pk"))

    def filter_quiet(self, qs, name, value):
        return filter_no_interaction_since(qs, days=int(value))

    def filter_no_plan(self, qs, name, value):
        return filter_without_plan(qs, year=timezone.localdate().year) if value else qs


class ReassignForm(forms.Form):
    """Bulk reassignment of the ticked accounts (sales heads and admins only)."""

    accounts = ModelMultipleIdsField(
        queryset=Account.objects.none(),
        label=_("Accounts"),
        error_messages={"required": _("Tick at least one account.")},
    )
    owner = UserChoiceField(
        queryset=User.objects.none(), required=False, label=_("New owner"), empty_label="—"
    )
    add_to_team = UserChoiceField(
        queryset=User.objects.none(), required=False, label=_("Add to team"), empty_label="—"
    )
    remove_from_team = UserChoiceField(
        queryset=User.objects.none(), required=False, label=_("Remove from team"), empty_label="—"
    )

    prefix = "reassign"  # the filter form on the same page has an owner field too

    def __init__(self, *args, accounts: QuerySet[Account], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = accounts
        for name in ("owner", "add_to_team", "remove_from_team"):
            self.fields[name].queryset = assignable_user_list()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not any(data.get(n) for n in ("owner", "add_to_team", "remove_from_team")):
            raise forms.ValidationError(_("Choose a new owner or a team change."))
        return data


class WhiteSpaceCellForm(forms.Form):
    """One cell of the white-space matrix, edited in place (reports.services
    .whitespace_cell_save checks the combination and puts its errors beside the fields)."""

    status = forms.ChoiceField(label=_("Status"), choices=WhiteSpaceCell.Status.choices)
    competitor = forms.CharField(
        label=_("Competitor"),
        max_length=200,
        required=False,
        help_text=_("Who supplies it instead, when a competitor does."),
    )
    potential = forms.DecimalField(
        label=_("Potential a year"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        localize=False,
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class MatrixFilterForm(forms.Form):
    """The matrix page's year and quadrant (invalid values fall back to the defaults)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    quadrant = forms.ChoiceField(label=_("Quadrant"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["quadrant"].choices = [("", _("Every quadrant")), *Account.Quadrant.choices]


class StrategicFitForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Strategic fit"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
    )


class MatrixWeightsForm(forms.Form):
    """One weight (0–100) per criterion: `weight_<key>`."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"weight_{c.key}"] = forms.IntegerField(
                label=criterion_label(c), min_value=0, max_value=100, initial=c.weight
            )


# --- Targets (set by the KAMs through plans.services.target_set) --------------------------
def _quarter_choices() -> list[tuple[str, str]]:
    from django.utils.translation import gettext

    quarters = [(str(q), gettext("Quarter %(q)s") % {"q": q}) for q in (1, 2, 3, 4)]
    return [("", gettext("Whole year")), *quarters]


class TargetForm(forms.ModelForm):
    """A target of an account's year or quarter. `account` only when creating (the
    accounts offered are those the user may set targets for)."""

    quarter = forms.TypedChoiceField(
        label=_("Period"),
        choices=_quarter_choices,
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Target
        fields = ["account", "year", "quarter", "revenue_target", "margin_target"]

    def __init__(self, *args, accounts: QuerySet[Account] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if accounts is None:
            del self.fields["account"]
        else:
            self.fields["account"].queryset = accounts
        self.fields["year"].widget.attrs.update(min=2000, max=2100)

    def _post_clean(self) -> None:
        pass  # the service validates the whole row (and the annual-or-quarterly rule)


class TargetFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("draft", _("Draft")),
            ("approved", _("Approved")),
            ("changed", _("Changed after approval")),
        ],
    )
    q = forms.CharField(label=_("Account"), required=False, max_length=200)
    account = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )

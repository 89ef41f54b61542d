"""Browser forms of the accounts app: they validate input, the services do the writes."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.forms import (
    ISO_DATE,
    FastCheckboxSelectMultiple,
    FastRadioSelect,
    LongSelectMultiple,
    ModelMultipleIdsField,
    ServiceModelForm,
    add_service_errors,
    parse_id,
)

from . import access
from .models import (
    Account,
    Contact,
    ContactLink,
    Distributor,
    DistributorLink,
    Event,
    Interaction,
    Region,
    Survey,
)


class SignInForm(AuthenticationForm):
    """The login form; the integration user (an API client) is told to use its token."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not access.can_use_pages(user):
            raise ValidationError(
                _("This account is for the API (with its token); it cannot sign in here."),
                code="api_client",
            )


class HomeFilterForm(forms.Form):
    """The home list's search, filters and sort; everything optional."""

    SORTS = [
        ("name", _("Name")),
        ("-revenue", _("Revenue, high first")),
        ("revenue", _("Revenue, low first")),
        ("-share", _("Share, high first")),
        ("-growth", _("Growth, high first")),
        ("growth", _("Growth, low first")),
        ("-penetration", _("Penetration, high first")),
        ("penetration", _("Penetration, low first")),
        ("tier", _("Tier")),
        ("last_contact", _("Longest without contact")),
    ]

    q = forms.CharField(label=_("Name or tax id"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Any tier")), *Account.Tier.choices]
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.all(),
        empty_label=_("Any region"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Account.Status.choices],
    )
    key = forms.BooleanField(label=_("Key only"), required=False)
    owner = forms.ChoiceField(label=_("Whose"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args, owners=(), every_account: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if every_account:  # accounts.access.sees_every_account: "whose" is worth asking
            self.fields["owner"].choices = [
                ("", _("Everyone's")),
                ("me", _("Mine")),
                *((str(u.pk), u.get_full_name() or u.username) for u in owners),
            ]
        else:
            del self.fields["owner"]


class InteractionForm(forms.Form):
    """The quick log: what happened, when, who was there, and what comes next."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in Interaction.Kind.choices if c[0] != Interaction.Kind.SURVEY],
        initial=Interaction.Kind.MEETING,
        widget=FastRadioSelect(attrs={"class": "chips"}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    contacts = ModelMultipleIdsField(
        label=_("Who was there"),
        queryset=Contact.objects.none(),
        required=False,
        widget=FastCheckboxSelectMultiple(attrs={"class": "checks"}),
    )
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=255)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=ISO_DATE)

    def __init__(self, *args, account: Account, **kwargs):
        kwargs.setdefault(
            "initial",
            {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)},
        )
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = account.contacts.order_by("name")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("next_step_due") and not data.get("next_step"):
            self.add_error("next_step", _("Say what the next step is."))
        return data


class AccountPickForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.none(), empty_label=_("Choose an account")
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts


class ContactForm(ServiceModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "position",
            "department",
            "reports_to",
            "decision_role",
            "influence",
            "attitude",
            "email",
            "phone",
            "is_primary",
        ]
        widgets = {
            "influence": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "attitude": forms.RadioSelect(attrs={"class": "chips"}),
        }

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        managers = account.contacts.order_by("name")
        if self.instance.pk:
            managers = managers.exclude(pk=self.instance.pk)
        self.fields["reports_to"].queryset = managers
        self.fields["reports_to"].empty_label = _("Nobody (top of the chart)")


class ContactLinkForm(ServiceModelForm):
    """A link from the contact whose page it is to another person of their account."""

    class Meta:
        model = ContactLink
        fields = ["kind", "to_contact", "note"]
        widgets = {"note": forms.TextInput()}

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_contact"].queryset = contact.account.contacts.exclude(
            pk=contact.pk
        ).order_by("name")
        self.fields["to_contact"].empty_label = None
        self.fields["kind"].choices = ContactLink.Kind.choices  # no "---------": one is needed


class AccountForm(ServiceModelForm):
    """What a KAM keeps on the account; the ERP never overwrites these fields."""

    class Meta:
        model = Account
        fields = ["status", "potential_annual", "strategic", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


class SurveyForm(ServiceModelForm):
    """A survey of the client's needs and satisfaction; only this account's people answer."""

    class Meta:
        model = Survey
        fields = ["date", "contact", "nps", "satisfaction", "needs", "comments"]
        widgets = {
            "date": ISO_DATE,
            "nps": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "satisfaction": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, account: Account, **kwargs):
        if not kwargs.get("instance"):
            kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = account.contacts.order_by("name")
        self.fields["contact"].empty_label = _("Nobody in particular")


class DistributorLinkForm(ServiceModelForm):
    """Which distributor serves the account, in what role and on what terms."""

    class Meta:
        model = DistributorLink
        fields = ["distributor", "role", "status", "share_of_volume", "since", "until", "terms"]
        widgets = {
            "share_of_volume": forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01"}),
            "since": ISO_DATE,
            "until": ISO_DATE,
            "terms": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, distributors: QuerySet[Distributor], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distributor"].queryset = distributors


def _ids(values) -> set[int]:
    """The whole-number ids among what a browser posted (anything else is the form's job)."""
    return {pk for v in values if (pk := parse_id(v)) is not None}


def contact_choices(contacts) -> list[tuple[str, list[tuple[int, str]]]]:
    """Choices grouped by account, for a multiple select or checkboxes of people."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for c in sorted(contacts, key=lambda c: (c.account.name, c.account_id, c.name, c.pk)):
        groups.setdefault(c.account_id, (c.account.name, []))[1].append((c.pk, c.name))
    return list(groups.values())


class EventForm(ServiceModelForm):
    """An event: what, when, where, for which accounts, whom we invite and who came.

    `accounts` are those the user may change. People are offered among the contacts of the
    chosen accounts (grouped by account); a contact of the user's other accounts is still
    accepted here, so that the service's own refusal lands beside the field.
    """

    class Meta:
        model = Event
        fields = [
            "name",
            "kind",
            "starts_on",
            "ends_on",
            "location",
            "description",
            "accounts",
            "invited",
            "attended",
        ]
        widgets = {
            "starts_on": ISO_DATE,
            "ends_on": ISO_DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "invited": forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
            "attended": forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        }
        labels = {"invited": _("Invited"), "attended": _("Attended")}
        field_classes = dict.fromkeys(("accounts", "invited", "attended"), ModelMultipleIdsField)

    def __init__(self, *args, accounts: QuerySet[Account], many_accounts: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["accounts"]
        field.queryset = accounts.order_by("name")
        # A few accounts are checkboxes; past that (a sales head sees all) a multiple select,
        # its options read as plain (id, name) rows rather than thousands of instances.
        if many_accounts:
            field.widget = LongSelectMultiple(
                attrs={"size": 8, "data-filter": _("Type to narrow the list")}
            )
            field.widget.choices = list(field.queryset.values_list("pk", "name"))
            field.help_text = _(
                "Hold Ctrl (⌘ on a Mac) to choose several. Leave empty for a company event."
            )
        else:
            field.widget = forms.CheckboxSelectMultiple(attrs={"class": "checks"})
            field.widget.choices = field.choices
            field.help_text = _("Leave empty for a company event.")
        people = Contact.objects.filter(account__in=accounts).select_related("account")
        chosen, picked = self._chosen_ids()
        shown = list(people.filter(Q(account_id__in=chosen) | Q(pk__in=picked)))
        for name in ("invited", "attended"):
            self.fields[name].queryset = people
            self.fields[name].widget.choices = contact_choices(shown)
        self.has_people = bool(shown)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        # The dates' rule lives on the model; asking it here shows the error in the same round
        # as the others (the service asks again before it writes).
        try:
            # An unsaved probe: a missing start is None here, which clean() allows.
            probe = Event(starts_on=data.get("starts_on"), ends_on=data.get("ends_on"))  # type: ignore[misc]
            probe.clean()
        except ValidationError as error:
            add_service_errors(self, error)
        return data

    def _chosen_ids(self) -> tuple[set[int], set[int]]:
        """Accounts chosen and people ticked, from what was posted or the initial values."""
        names = ("accounts", "invited", "attended")
        if self.is_bound:
            get = getattr(self.data, "getlist", self.data.get)
            values = {n: get(self.add_prefix(n)) or [] for n in names}
        else:
            initial = {n: self.get_initial_for_field(self.fields[n], n) or [] for n in names}
            values = {n: [getattr(v, "pk", v) for v in vs] for n, vs in initial.items()}
        return _ids(values["accounts"]), _ids(values["invited"]) | _ids(values["attended"])


class AttendanceForm(forms.Form):
    """Who came: ticked among the people of the event's accounts, grouped by account."""

    attended = ModelMultipleIdsField(
        label=_("Tick those who came"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
    )

    def __init__(self, *args, event: Event, accounts: QuerySet[Account], **kwargs):
        # `accounts`: those of the event the user sees; other KAMs' people stay out of sight.
        people = Contact.objects.filter(account__in=accounts).select_related("account")
        came = event.attended.filter(account__in=accounts)
        kwargs.setdefault("initial", {"attended": [c.pk for c in came]})
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        field.queryset = people
        field.widget.choices = contact_choices(people)

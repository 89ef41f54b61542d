"""Forms of the alerts pages: a person's digest preferences, the heads' thresholds."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reports.models import AlertSettings


def _zone_choices() -> list[tuple[str, str]]:
    return [("", _("Site default (%(zone)s)") % {"zone": settings.TIME_ZONE})] + [
        (name, name) for name in sorted(zoneinfo.available_timezones())
    ]


class PreferencesForm(forms.Form):
    digest_daily = forms.BooleanField(
        label=_("Daily digest: what changed on my accounts, what is due and overdue"),
        required=False,
    )
    digest_weekly = forms.BooleanField(
        label=_("Weekly digest (sales heads): portfolio moves and KAM workload"),
        required=False,
    )
    language = forms.ChoiceField(label=_("Language of e-mails and notifications"))
    timezone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Site default"))] + [
            (code, name) for code, name in settings.LANGUAGES
        ]
        language.required = False
        zone = self.fields["timezone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = _zone_choices()


class AlertSettingsForm(forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = [
            "health_drop_points",
            "health_drop_days",
            "decision_maker_days",
            "margin_erosion_points",
            "detractor_nps_max",
            "detractor_days",
            "share_percent",
            "tender_days",
            "contract_notice_days",
        ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and metrics")

    def ready(self) -> None:
        # autodiscover_tasks() only finds reports/tasks.py: register the export and the
        # alert tasks too.
        # Health follows the KAM's changes at once (accounts sends, reports listens).
        from accounts.signals import account_facts_changed

        from .alerts import tasks as alert_tasks  # noqa: F401
        from .exports import tasks  # noqa: F401
        from .health.receivers import recompute_account_health

        account_facts_changed.connect(
            recompute_account_health, dispatch_uid="reports.health.recompute_account"
        )

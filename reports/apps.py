from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and metrics")

    def ready(self) -> None:
        # autodiscover_tasks() only finds reports/tasks.py: register the export and the
        # alert tasks too. Opportunities keep their category by id (plans may not import
        # reports).
        from accounts.signals import account_facts_changed
        from plans import categories

        from .alerts import tasks as alert_tasks  # noqa: F401
        from .categories import ProductCategorySource
        from .exports import tasks  # noqa: F401
        from .health.receivers import recompute_account_health

        categories.register(ProductCategorySource())
        # Health follows the KAM's changes at once (accounts sends, reports listens).
        account_facts_changed.connect(
            recompute_account_health, dispatch_uid="reports.health.recompute_account"
        )

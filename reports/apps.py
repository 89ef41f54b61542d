from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and metrics")

    def ready(self) -> None:
        # autodiscover_tasks() only finds reports/tasks.py: register the export and the
        # alert tasks too.
        from .alerts import tasks as alert_tasks  # noqa: F401
        from .exports import tasks  # noqa: F401

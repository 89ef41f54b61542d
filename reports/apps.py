from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and metrics")

    def ready(self) -> None:
        # autodiscover_tasks() only finds reports/tasks.py: register the export task too.
        # Opportunities keep their category by id (plans may not import reports).
        from plans import categories

        from .categories import ProductCategorySource
        from .exports import tasks  # noqa: F401

        categories.register(ProductCategorySource())

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from kam.textsearch import register_sqlite_functions

        from . import signals  # noqa: F401 - connects the receivers

        connection_created.connect(register_sqlite_functions, dispatch_uid="kam_textsearch")

"""Signal receivers of the accounts app (connected in AccountsConfig.ready)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from .models import User

# Sent by the services (accounts, plans) after a change to what an account's health reads:
# an interaction logged or edited, a contact or a survey changed, an objective or action
# saved, a tender decided. Keyword argument: `account_id`. Sent inside the service's
# transaction, so a receiver in the same request sees the change (reports connects the
# health recompute of that one account; accounts itself never imports reports).
account_facts_changed = Signal()


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_api_tokens_on_password_change")
def revoke_api_tokens_on_password_change(sender, instance: User, created: bool, **kwargs) -> None:
    """A new password ends every API token of the user: whoever knew the old one may hold a
    token too. `set_password()` leaves the raw password on the instance until the save
    completes (Django's own `password_changed` hook reads it the same way); a hash upgrade
    on sign-in clears it first, so it does not count as a change."""
    if created or getattr(instance, "_password", None) is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "password" not in update_fields:
        return
    from .services import api_token_revoke  # services import this module's signal

    api_token_revoke(user=instance)

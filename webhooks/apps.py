from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from prestapicqer.models import PicqerAccount

        from .receiver import webhook_accounts_forget

        # A changed secret or a deleted account must not linger in this process's cache.
        for signal in (post_save, post_delete):
            signal.connect(
                webhook_accounts_forget,
                sender=PicqerAccount,
                dispatch_uid=f"webhooks-accounts-forget-{signal is post_save}",
            )

"""The documents app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class DocumentsConfig(AppConfig):
    name = "frontline.documents"
    label = "documents"
    verbose_name = _("Documents")
    # Encrypted values (manage.py rotate_keys re-encrypts them); no blind index.
    encrypted_fields = [("documents.IssuedDocument", "context_encrypted", None, None)]
    # A batch whose worker died too often fails, saying so (frontline.core.workers).
    tasks_abandoned = {"frontline.documents.tasks.render_batch":
                       "frontline.documents.services.issuing.batch_abandoned"}
    navigation = [
        (_("Documents"), "documents:template_list", Action.VIEW),
        (_("Translations"), "documents:queue", Action.TRANSLATE),
        (_("Proofreading"), "documents:proofread_list", Action.PROOFREAD),
    ]

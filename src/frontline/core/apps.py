from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "frontline.core"
    label = "core"
    verbose_name = _("Core")
    # manage.py periodic: tasks whose worker died are queued again; old idempotency keys go.
    periodic = [(60, "frontline.core.workers.tasks_requeue_stale"),
                (3600, "frontline.core.idempotency.keys_purge")]

"""manage.py load_demo: load the Dongcheng demo, app by app, idempotently.

Each Frontline app may have a `demo.py` with `load(*, stdout) -> None`; they run in the order
of INSTALLED_APPS, so later apps can rely on earlier ones' data. Running twice changes nothing.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the Dongcheng demo: divisions, places, a demo account for every role, and more."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if not config.name.startswith("frontline."):
                continue
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.load(stdout=self.stdout)

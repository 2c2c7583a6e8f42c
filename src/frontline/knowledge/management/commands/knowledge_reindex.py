"""Rebuild the search index of country notes, policies and FAQ from their texts."""

from django.core.management.base import BaseCommand

from frontline.knowledge.services import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the knowledge search index."

    def handle(self, *args, **options):
        self.stdout.write(f"indexed {index_rebuild()} entries")

"""Load the demo data set: every app's `demo.seed()` in dependency order. Idempotent."""
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

# Order matters: the tree, then people and committees, then everything that refers to them.
SEEDERS = [
    "branches.demo.seed",
    "members.demo.seed",
    "branches.demo.seed_api_client",
    "orglife.demo.seed_activities",
    "members.demo.seed_lifecycle",
    "practice.demo.seed",
    "evaluations.demo.seed",
    "programmes.demo.seed",
    "reports.demo.seed",
    "inbox.demo.seed",   # last: reminders read everything above
]


class Command(BaseCommand):
    help = "载入演示数据（可重复执行）"

    def handle(self, *args, **options):
        for dotted in SEEDERS:
            try:
                seed = import_string(dotted)
            except ImportError:
                continue  # that app has no demo data yet
            with transaction.atomic():
                seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))

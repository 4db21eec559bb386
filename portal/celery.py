import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _scopes_for_the_task(task_id=None, **kwargs):
    """A task is one unit of work, like a request: grants are loaded once for it (portal.scoping.Scope)."""
    from portal import scoping

    scoping.begin_unit_of_work(task_id)


@task_postrun.connect
def _scopes_dropped(task_id=None, **kwargs):
    from portal import scoping

    scoping.end_unit_of_work(task_id)

"""Settings for the Celery worker subprocess started by test_report_worker.py (not used by pytest itself)."""
import os

from portal.settings.test import *  # noqa: F401,F403

MEDIA_ROOT = os.environ["MEDIA_ROOT"]
# Fault injection: seconds to wait between writing the temporary file and moving it into place.
REPORTS_TEST_PUBLISH_DELAY = float(os.environ.get("REPORTS_TEST_PUBLISH_DELAY", "0"))

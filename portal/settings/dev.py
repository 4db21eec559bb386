"""Local development and the embedded demo (`make run`)."""
from .base import *  # noqa: F401,F403
from .base import env

# The demo behaves like production: the portal's own 404/403/500 pages. Developers ask for Django's debug
# pages with DJANGO_DEBUG=1.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The demo's fixed API token (branches/demo.py) does not depend on DEBUG.
PORTAL_DEMO = True
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True  # static files from the apps' folders, DEBUG or not (no collectstatic for the demo)

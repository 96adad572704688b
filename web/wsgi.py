"""WSGI entry point (waitress in `vanban serve`, or any WSGI server in a scaled-out deployment)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
application = get_wsgi_application()

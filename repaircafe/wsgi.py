"""The WSGI entry point for gunicorn: `gunicorn repaircafe.wsgi:app`."""

from repaircafe import create_app

app = create_app()

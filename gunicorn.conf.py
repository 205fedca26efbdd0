"""gunicorn settings for production and for bench/ (which serves the app and
its hello-world baseline with these same settings). Sync workers: each
handles one request at a time, so run about two per core; WEB_CONCURRENCY
overrides the count. See docs/deployment.md."""
import os

worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"

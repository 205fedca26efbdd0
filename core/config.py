"""Configuration, read from the environment once when the app is created.

Every setting has a safe default for local development; production sets
SECRET_KEY, DATABASE_URL, MAIL_* and RATELIMIT_STORAGE_URI.
"""
import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def instance_secret_key(instance_path: str) -> str:
    """A random key kept in instance/ so a local install needs no setup and
    every worker of one install shares it."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="ascii") as new_file:
            new_file.write(secrets.token_urlsafe(48))
        path.chmod(0o600)
    except FileExistsError:
        pass
    return path.read_text(encoding="ascii").strip()


class Config:
    """Settings shared by every deployment; values come from the environment."""

    def __init__(self, instance_path: str):
        self.BRAND_NAME = os.environ.get("BRAND_NAME", "Shared Future")
        self.PARTNERSHIP_NAME = os.environ.get(
            "PARTNERSHIP_NAME", "the county community cohesion partnership"
        )
        self.CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "cohesion@example.org")
        # Where the site is served, for links in emails sent from commands
        # (reminders, demo data) rather than from a request.
        self.SERVER_NAME = os.environ.get("SERVER_NAME") or None
        self.PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
        # Without SECRET_KEY, create_app() keeps a generated key in instance/.
        self.SECRET_KEY = os.environ.get("SECRET_KEY")

        default_db = "sqlite:///" + str(Path(instance_path) / "shared_future.db")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", default_db)
        # pool_pre_ping: a connection the database dropped (a restart, a failover) is replaced, not used.
        # A failed statement's error names its values only as placeholders: logs never carry what people typed.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        # Seconds a SQLite writer waits for the write lock before the "busy, try again" page.
        self.SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "10"))

        # Cookies: Secure by default; SESSION_COOKIE_SECURE=0 for plain-http local runs.
        secure = _flag("SESSION_COOKIE_SECURE", True)
        self.SESSION_COOKIE_SECURE = secure
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
        self.PERMANENT_SESSION_LIFETIME = 12 * 3600
        # Largest request accepted (an event picture is at most 5MB); larger gets the 413 page.
        self.MAX_CONTENT_LENGTH = 6 * 1024 * 1024

        # OWASP: PBKDF2-HMAC-SHA256 with at least 600,000 iterations.
        self.PASSWORD_HASH_METHOD = os.environ.get(
            "PASSWORD_HASH_METHOD", "pbkdf2:sha256:600000"
        )
        self.PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
        self.EMAIL_CONFIRM_MAX_AGE = _int("EMAIL_CONFIRM_MAX_AGE", 7 * 24 * 3600)
        # How long the old address can undo a change of email address.
        self.EMAIL_CHANGE_UNDO_MAX_AGE = _int("EMAIL_CHANGE_UNDO_MAX_AGE", 7 * 24 * 3600)

        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "shared-future")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis unreachable must not take sign-in, the API or the feeds down with it: each worker then
        # counts in its own memory (logging a warning) and goes back to Redis once it answers, and
        # /readyz says Redis is down meanwhile. Errors left over (Redis dropping between the check and
        # the count) are logged, not raised. A Redis that does not answer is given up on after a second,
        # well inside gunicorn's timeout.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        if self.RATELIMIT_STORAGE_URI.startswith("redis"):
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
        self.SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get(
            "SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 5 minutes"
        )
        self.SIGN_IN_LIMIT_PER_IP = os.environ.get("SIGN_IN_LIMIT_PER_IP", "30 per 5 minutes")
        # Each request to change an account's address sends an email (a link, or a note to an address
        # another account uses): how many one account may have sent.
        self.EMAIL_CHANGE_LIMIT_PER_ACCOUNT = os.environ.get("EMAIL_CHANGE_LIMIT_PER_ACCOUNT", "5 per hour")
        # Work an account starts in bulk, for the job queue: batches of emails, and report PDFs.
        self.BULK_EMAIL_LIMIT_PER_ACCOUNT = os.environ.get("BULK_EMAIL_LIMIT_PER_ACCOUNT", "10 per hour")
        self.REPORT_PDF_LIMIT_PER_ACCOUNT = os.environ.get("REPORT_PDF_LIMIT_PER_ACCOUNT", "20 per hour")
        # Spreadsheet uploads to import (each read in full); running an import is bulk email's limit, since it
        # may email everyone in the file.
        self.IMPORT_UPLOAD_LIMIT_PER_ACCOUNT = os.environ.get("IMPORT_UPLOAD_LIMIT_PER_ACCOUNT", "30 per hour")
        # Wrong sign-in codes (authenticator app or recovery code). A guesser who has the password gets a
        # handful of tries a day against a million codes; the owner can still skip the code on a browser
        # they told to remember them.
        self.SECOND_FACTOR_LIMIT_PER_ACCOUNT = os.environ.get(
            "SECOND_FACTOR_LIMIT_PER_ACCOUNT", "5 per 5 minutes;20 per day"
        )
        self.SECOND_FACTOR_LIMIT_PER_IP = os.environ.get("SECOND_FACTOR_LIMIT_PER_IP", "30 per 5 minutes")
        # Signing in with the partnership's OpenID Connect provider (Microsoft Entra ID, or any other):
        # off unless OIDC_METADATA_URL and OIDC_CLIENT_ID are set (docs/deployment.md).
        self.OIDC_METADATA_URL = os.environ.get("OIDC_METADATA_URL") or None
        self.OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID") or None
        self.OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or None
        self.OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "Microsoft")
        self.OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
        # Calendar apps poll feeds every few hours; this only stops a runaway client.
        self.FEED_LIMIT_PER_IP = os.environ.get("FEED_LIMIT_PER_IP", "120 per minute")
        # How long a DBS check counts for before youth forum coordinators must renew it.
        self.FORUM_DBS_VALID_YEARS = int(os.environ.get("FORUM_DBS_VALID_YEARS", "3"))
        # Forum announcements leave the outbox at this pace, so a big forum does not trip the mail provider.
        self.FORUM_ANNOUNCEMENTS_PER_MINUTE = _int("FORUM_ANNOUNCEMENTS_PER_MINUTE", 30)
        # An organiser's messages to an event's people leave the outbox at this pace too.
        self.EVENT_MESSAGES_PER_MINUTE = _int("EVENT_MESSAGES_PER_MINUTE", 30)
        # At most this many messages to one event's people (or announcements of one forum) in 24 hours,
        # whoever sends them; the send buttons are also limited per account (BULK_EMAIL_LIMIT_PER_ACCOUNT).
        self.MESSAGES_PER_DAY = max(1, _int("MESSAGES_PER_DAY", 5))
        # An unsubscribe link in an email works for this long (RFC 8058 asks for a while after sending).
        self.UNSUBSCRIBE_LINK_DAYS = max(1, _int("UNSUBSCRIBE_LINK_DAYS", 400))
        # A parent or carer can give consent through the emailed link for this many days after it
        # was sent (coordinators send a new one after that); withdrawing through it always works.
        self.PARENT_CONSENT_LINK_DAYS = max(1, _int("PARENT_CONSENT_LINK_DAYS", 30))
        # Members are reminded this many days before their term ends.
        self.FORUM_RENEWAL_NOTICE_DAYS = _int("FORUM_RENEWAL_NOTICE_DAYS", 30)
        # An event's attendance is settled this many days after it ends: from then on only an admin's
        # audited reopening, for ATTENDANCE_REOPENED_FOR_HOURS, lets check-ins and bookings change
        # (events/settlement.py), so the figures reports publish stay put.
        self.ATTENDANCE_SETTLES_AFTER_DAYS = max(0, _int("ATTENDANCE_SETTLES_AFTER_DAYS", 14))
        # Outcome surveys go to people who came until attendance settles; each link works this many days.
        self.SURVEY_OPEN_DAYS = max(1, _int("SURVEY_OPEN_DAYS", 14))
        self.ATTENDANCE_REOPENED_FOR_HOURS = max(1, _int("ATTENDANCE_REOPENED_FOR_HOURS", 48))
        # Reports show counts from 1 to this minus one as "<5" (see reports/suppression.py).
        self.REPORT_SUPPRESSION_THRESHOLD = max(2, _int("REPORT_SUPPRESSION_THRESHOLD", 5))
        # A group's answers are broken down only when at least this many of them answered.
        self.REPORT_MINIMUM_RESPONDENTS = max(self.REPORT_SUPPRESSION_THRESHOLD,
                                              _int("REPORT_MINIMUM_RESPONDENTS", 10))
        # The secret behind each person's record key (reports/perturbation.py): derived from SECRET_KEY
        # unless set. Keep it fixed: a new one changes every published figure's noise.
        self.REPORT_RECORD_KEY_SECRET = os.environ.get("REPORT_RECORD_KEY_SECRET") or None
        # A partner's site fetching events for its visitors; enough for a busy page, not for a scraper loop.
        self.API_LIMIT_PER_IP = os.environ.get("API_LIMIT_PER_IP", "300 per minute")
        self.PUBLIC_FORM_LIMIT_PER_IP = os.environ.get(
            "PUBLIC_FORM_LIMIT_PER_IP", "10 per 10 minutes"
        )
        # One email address across sign-up, guest registration and nominations (core/spam.py).
        self.PUBLIC_FORM_LIMIT_PER_EMAIL = os.environ.get("PUBLIC_FORM_LIMIT_PER_EMAIL", "5 per hour")

        # How long a shared cache (nginx in front, a CDN) may keep a visitor's public page before it asks again
        # with its ETag (core/http_cache.py): the longest a change can go unseen through it.
        self.SHARED_CACHE_SECONDS = _int("SHARED_CACHE_SECONDS", 10)

        # How long personal data is kept, per kind, where not the default (core/privacy/retention.py and each
        # domain's privacy.py list them): RETENTION_REGISTRATIONS_MONTHS=18 and so on.
        self.RETENTION_MONTHS = {name[len("RETENTION_"):-len("_MONTHS")].lower(): int(value)
                                 for name, value in os.environ.items()
                                 if name.startswith("RETENTION_") and name.endswith("_MONTHS") and value}

        # Mail: the file backend keeps each message under instance/outbox in development.
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
        self.MAIL_FILE_PATH = os.environ.get(
            "MAIL_FILE_PATH", str(Path(instance_path) / "outbox")
        )
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", False)
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Shared Future <no-reply@example.org>"
        )
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
        # Emails one sending job sends over one connection; a larger send is shared among workers.
        self.MAIL_BATCH_SIZE = max(_int("MAIL_BATCH_SIZE", 50), 1)
        # Where jobs wait for a worker (core/jobs.py): sqlite:///, redis://, postgresql:// or memory://.
        self.JOBS_STORAGE_URI = os.environ.get("JOBS_STORAGE_URI", f"sqlite:///{Path(instance_path) / 'jobs.db'}")

        # What an operator sees (core/observability.py): logs on standard error as JSON lines, or as text for
        # a person at a terminal (`make run`); /metrics only for a request bearing METRICS_TOKEN (no token, no
        # /metrics); error reports to Sentry only when SENTRY_DSN is set.
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
        self.LOG_FORMAT = "text" if os.environ.get("LOG_FORMAT", "").strip().lower() == "text" else "json"
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
        self.SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
        self.SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT") or None
        # The share of requests traced for performance; 0 sends errors only.
        self.SENTRY_TRACES_SAMPLE_RATE = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0)

        # Behind a reverse proxy, set how many proxies to trust for each header.
        self.PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
        self.PROXY_FIX_X_PROTO = _int("PROXY_FIX_X_PROTO", 0)
        self.PROXY_FIX_X_HOST = _int("PROXY_FIX_X_HOST", 0)

    def as_dict(self) -> dict:
        return {key: value for key, value in vars(self).items() if key.isupper()}

"""Django settings. Configuration comes from the environment (see zhifa.config)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from zhifa import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = os.environ.get("ZHIFA_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ZHIFA_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ZHIFA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "zhifa.core",
    "zhifa.registry",
    "zhifa.accounts",
    "zhifa.laws",
    "zhifa.powers",
    "zhifa.exchange",
    "zhifa.analytics",
    "zhifa.documents",
    "zhifa.disclosure",
    "zhifa.evidence",
    "zhifa.rules",
    "zhifa.cases",
    "zhifa.indicators",
    "zhifa.clues",
    "zhifa.cockpit",
    "zhifa.supervision",
    "zhifa.review",
    "zhifa.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhifa.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhifa.urls"
WSGI_APPLICATION = "zhifa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhifa.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(config.database_url(DATA_DIR), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory for tests
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["zhifa.accounts.backends.LockoutAwareBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (web and API share it) and idle session expiry.
ZHIFA_LOCKOUT_THRESHOLD = 5
ZHIFA_LOCKOUT_MINUTES = 15
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root even when serving from finders
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
ANALYTICS_DIR = DATA_DIR / "analytics"
# An import validates and commits its file in batches of about IMPORT_BATCH_BYTES of source
# text (rows counted from the file's start, so a re-run cuts the same batches); peak memory is
# about ten times that. ZHIFA_IMPORT_BATCH_ROWS fixes the row count instead (tests).
IMPORT_BATCH_BYTES = int(os.environ.get("ZHIFA_IMPORT_BATCH_BYTES", str(256 << 20)))
IMPORT_BATCH_ROWS = (
    int(os.environ["ZHIFA_IMPORT_BATCH_ROWS"]) if os.environ.get("ZHIFA_IMPORT_BATCH_ROWS") else None
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIFA_LOG_LEVEL", "WARNING")},
}

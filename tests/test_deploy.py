"""Production settings, checked in fresh processes: settings are read once, at import."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/colloquy"

# Import the real settings without reading a developer's local .env, so code defaults are what is tested.
IMPORT_SETTINGS = (
    "import environ; environ.Env.read_env = staticmethod(lambda *args, **kwargs: None); "
    "from config import settings; print('DEBUG', settings.DEBUG); print('SECRET_KEY', settings.SECRET_KEY)"
)


def run(args, **variables):
    """Run Python in the project with only `variables` (and PATH) in the environment."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def production_environment():
    return {
        "DEBUG": "0",
        "SECRET_KEY": get_random_secret_key(),
        "ALLOWED_HOSTS": "colloquy.example",
        "SITE_URL": "https://colloquy.example",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
    }


def test_deploy_check_passes_with_production_settings():
    environment = production_environment()
    assert len(environment["SECRET_KEY"]) == 50

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environment)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues" in output


def test_deploy_check_fails_on_an_insecure_setting():
    """The check above would catch a regression: turning HTTPS off must fail it."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **production_environment(),
        SECURE_SSL_REDIRECT="0",
    )

    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = run(["-c", IMPORT_SETTINGS], DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: Set SECRET_KEY" in result.stderr


def test_settings_refuse_to_start_without_a_secret_key_by_default():
    result = run(["-c", IMPORT_SETTINGS])

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in result.stderr


def test_debug_defaults_to_off():
    result = run(["-c", IMPORT_SETTINGS], SECRET_KEY=get_random_secret_key())

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "DEBUG False"


def test_secret_key_is_taken_verbatim():
    """get_random_secret_key() may start a key with "$", which django-environ would treat as a reference."""
    key = "$" + get_random_secret_key()[1:]

    result = run(["-c", IMPORT_SETTINGS], SECRET_KEY=key)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == f"SECRET_KEY {key}"


def test_development_needs_no_secret_key_when_debug_is_on():
    result = run(["-c", IMPORT_SETTINGS], DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "DEBUG True",
        "SECRET_KEY django-insecure-development-only-key-never-use-in-production",
    ]

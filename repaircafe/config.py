"""Settings: defaults < TOML file < REPAIRCAFE_* environment variables < create_app overrides.

Pure and Flask-free so it can be unit-tested; unknown keys are refused by name because a
misspelt setting that is silently ignored is worse than a start-up error.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

EXAMPLE_SECRET = "change-me-to-a-long-random-string"
# The secret generated for an instance that has none configured, inside its instance folder.
SECRET_FILE = "secret_key"
# Variables that belong to the test and CI harness, not to the application.
_IGNORED_ENV_PREFIXES = ("REPAIRCAFE_TEST_", "REPAIRCAFE_REQUIRE_")
# Not settings: the path of the settings file itself, and the browser the test suite drives.
_LOADER_ENV_NAMES = ("REPAIRCAFE_CONFIG", "REPAIRCAFE_CHROMIUM")


class ConfigError(Exception):
    """A setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class AppSettings:
    secret_key: str = ""
    environment: str = "development"
    public_base_url: str = "http://127.0.0.1:5000"
    instance_path: str = ""
    default_language: str = "en"
    max_upload_mb: int = 32
    photo_quota_mb: int = 500
    proxies: int = 0


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""
    echo: bool = False


@dataclass(frozen=True)
class ReportsSettings:
    folder: str = ""
    default_factor_set: str = "restart-2021"


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""
    from_address: str = "reports@repaircafe.local"
    starttls: bool = False


@dataclass(frozen=True)
class SchedulerSettings:
    poll_seconds: int = 300
    stale_minutes: int = 30
    max_attempts: int = 5


@dataclass(frozen=True)
class LabelsSettings:
    layout_dirs: tuple[str, ...] = ()
    default_layout: str = "avery_l7160"


@dataclass(frozen=True)
class SecuritySettings:
    login_rate_limit: str = "10 per minute"
    public_rate_limit: str = "120 per minute"
    api_rate_limit: str = "600 per minute"
    rate_limit_storage: str = "memory://"
    session_cookie_secure: bool = False


@dataclass(frozen=True)
class FollowUpSettings:
    # Months after a fixed object goes home when its owner is asked "still working?";
    # empty turns the questions off.
    months: str = "3,6,12"

    @property
    def schedule(self) -> tuple[int, ...]:
        """The months as numbers, smallest first (checked when the settings are loaded)."""
        found = {int(p) for p in self.months.replace(" ", "").split(",") if p}
        return tuple(sorted(found))


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    reports: ReportsSettings = field(default_factory=ReportsSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    labels: LabelsSettings = field(default_factory=LabelsSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    follow_ups: FollowUpSettings = field(default_factory=FollowUpSettings)

    @property
    def is_production(self) -> bool:
        return self.app.environment == "production"


def _env_name(section: str, key: str) -> str:
    """[app] keys are REPAIRCAFE_<KEY>; the others REPAIRCAFE_<SECTION>_<KEY>."""
    if section == "app":
        return f"REPAIRCAFE_{key.upper()}"
    return f"REPAIRCAFE_{section.upper()}_{key.upper()}"


def _coerce(section: str, key: str, raw: Any, target: Any) -> Any:
    name = f"{section}.{key}"
    kind = type(target)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if not isinstance(raw, str):
            raise ConfigError(f"{name} must be true or false, not {raw!r}")
        text = raw.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    if kind is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw.strip())
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    if kind is tuple:
        if isinstance(raw, str):
            return tuple(p for p in raw.split(os.pathsep) if p)
        if isinstance(raw, list | tuple):
            return tuple(str(p) for p in raw)
        raise ConfigError(f"{name} must be a list of paths")
    if not isinstance(raw, str):
        raise ConfigError(f"{name} must be text, not {raw!r}")
    return raw


def _merge(settings: Settings, values: Mapping[str, Any], origin: str) -> Settings:
    sections = {f.name: f for f in fields(Settings)}
    for section, body in values.items():
        if section not in sections:
            raise ConfigError(f"unknown section [{section}] in {origin}")
        if not isinstance(body, Mapping):
            raise ConfigError(f"[{section}] in {origin} must be a table of keys")
        current = getattr(settings, section)
        known = {f.name for f in fields(current)}
        changes = {}
        for key, raw in body.items():
            if key not in known:
                raise ConfigError(f"unknown setting {section}.{key} in {origin}")
            changes[key] = _coerce(section, key, raw, getattr(current, key))
        settings = replace(settings, **{section: replace(current, **changes)})
    return settings


def _from_environ(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    defaults = Settings()
    by_name = {
        _env_name(s.name, k.name): (s.name, k.name)
        for s in fields(defaults)
        for k in fields(getattr(defaults, s.name))
    }
    found: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if (not name.startswith("REPAIRCAFE_") or name.startswith(_IGNORED_ENV_PREFIXES)
                or name in _LOADER_ENV_NAMES):
            continue
        if name not in by_name:
            raise ConfigError(f"unknown setting in environment variable {name}")
        section, key = by_name[name]
        found.setdefault(section, {})[key] = value
    return found


def load_settings(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings from every layer, most specific last, and check them."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    if path is None:
        path = environ.get("REPAIRCAFE_CONFIG") or ("config.toml" if Path("config.toml").exists() else None)
    if path is not None:
        file = Path(path)
        if not file.exists():
            raise ConfigError(f"configuration file {file} does not exist")
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file} is not valid TOML: {exc}") from None
        settings = _merge(settings, data, str(file))
    settings = _merge(settings, _from_environ(environ), "the environment")
    if overrides:
        settings = _merge(settings, overrides, "create_app()")
    return _check(settings)


def _check(settings: Settings) -> Settings:
    if settings.app.environment not in ("development", "production", "testing"):
        raise ConfigError("app.environment must be development, production or testing")
    if settings.app.secret_key.strip() == EXAMPLE_SECRET:
        raise ConfigError(
            "app.secret_key is the published example value, so anyone could sign a session "
            "cookie: set REPAIRCAFE_SECRET_KEY to a long random string, or leave it empty to "
            "have one generated and kept in the instance folder"
        )
    if settings.app.proxies < 0:
        raise ConfigError("app.proxies must be 0 or the number of proxies in front of the site")
    if not settings.app.public_base_url.startswith(("http://", "https://")):
        raise ConfigError("app.public_base_url must start with http:// or https://")
    for part in settings.follow_ups.months.replace(" ", "").split(","):
        if part and not (part.isdigit() and 1 <= int(part) <= 120):
            raise ConfigError(f"follow_ups.months: {part!r} is not a number of months from 1 "
                              "to 120 (write them like \"3,6,12\")")
    return settings


def default_database_url(instance_path: str | Path) -> str:
    """The SQLite file used when no database is configured."""
    return f"sqlite:///{Path(instance_path) / 'repaircafe.sqlite'}"


def with_instance_defaults(settings: Settings, instance_path: str) -> Settings:
    """Fill what defaults to the instance folder: database file, reports folder, secret key.

    A configured `app.instance_path` wins over the folder Flask would pick. Without a
    configured secret, the instance's own generated one is used (created on first start).
    """
    database, reports, app = settings.database, settings.reports, settings.app
    instance_path = str(Path(app.instance_path or instance_path).resolve())
    if not database.url:
        database = replace(database, url=default_database_url(instance_path))
    if not reports.folder:
        reports = replace(reports, folder=str(Path(instance_path) / "reports"))
    app = replace(app, instance_path=instance_path)
    if not app.secret_key.strip():
        app = replace(app, secret_key=instance_secret(Path(instance_path)))
    return replace(settings, database=database, reports=reports, app=app)


def instance_secret(folder: Path) -> str:
    """The secret kept in `folder`, generated on first use.

    Several gunicorn workers may start at once into a fresh folder: each writes a candidate
    to a private temporary file and hard-links it into place, which fails if another worker
    got there first; everyone then reads the one file that won. The file is readable by its
    owner only (0600), like any key.
    """
    path = folder / SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, candidate = tempfile.mkstemp(dir=folder, prefix=f".{SECRET_FILE}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(candidate, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(candidate)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise ConfigError(f"{path} holds no usable secret: delete it to have a new one made")
    return secret


def as_dict(settings: Settings) -> dict[str, Any]:
    """Plain nested dict, for display (secrets masked)."""
    data = dataclasses.asdict(settings)
    for section, key in (("app", "secret_key"), ("smtp", "password")):
        if data[section][key]:
            data[section][key] = "********"
    return data

"""Settings layering and refusals, and the example file kept in step with the settings."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from repaircafe import create_app, get_settings
from repaircafe.config import (
    EXAMPLE_SECRET,
    SECRET_FILE,
    ConfigError,
    Settings,
    as_dict,
    instance_secret,
    load_settings,
    with_instance_defaults,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def _write(tmp_path: Path, text: str, name: str = "settings.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _keys(settings_class: type = Settings) -> dict[str, set[str]]:
    return {
        section.name: {f.name for f in dataclasses.fields(section.default_factory())}  # type: ignore[misc]
        for section in dataclasses.fields(settings_class)
    }


def test_defaults_without_file_or_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings == Settings()
    assert settings.app.environment == "development"
    assert settings.smtp.port == 25


def test_each_layer_overrides_the_one_below(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, '[smtp]\nhost = "file.example"\nport = 2525\nusername = "file"\n'
                            '[app]\ndefault_language = "fr"\n')
    environ = {"REPAIRCAFE_CONFIG": str(path), "REPAIRCAFE_SMTP_PORT": "587",
               "REPAIRCAFE_SMTP_USERNAME": "env"}
    settings = load_settings(environ=environ, overrides={"smtp": {"username": "override"}})
    assert settings.smtp.host == "file.example"  # file over default
    assert settings.app.default_language == "fr"
    assert settings.smtp.port == 587  # environment over file
    assert settings.smtp.username == "override"  # create_app overrides over environment
    assert settings.smtp.from_address == Settings().smtp.from_address  # untouched default


def test_config_toml_in_the_working_folder_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, '[reports]\ndefault_factor_set = "conservative-2021"\n', "config.toml")
    assert load_settings(environ={}).reports.default_factor_set == "conservative-2021"


def test_repaircafe_config_wins_over_working_folder_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, '[smtp]\nhost = "local"\n', "config.toml")
    named = _write(tmp_path, '[smtp]\nhost = "named"\n', "named.toml")
    assert load_settings(environ={"REPAIRCAFE_CONFIG": str(named)}).smtp.host == "named"


def test_missing_or_broken_file_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="nowhere.toml does not exist"):
        load_settings(environ={"REPAIRCAFE_CONFIG": str(tmp_path / "nowhere.toml")})
    broken = _write(tmp_path, "[app\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(path=broken, environ={})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[app]\nsecret = "x"\n', "app.secret"),
        ('[databse]\nurl = "sqlite://"\n', "[databse]"),
        ('[smtp]\nhostname = "x"\n', "smtp.hostname"),
        ('title = "x"\n', "[title]"),
    ],
)
def test_unknown_keys_and_sections_in_the_file_are_refused_by_name(tmp_path, text, named):
    with pytest.raises(ConfigError) as refused:
        load_settings(path=_write(tmp_path, text), environ={})
    assert named in str(refused.value)


def test_unknown_environment_variable_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="REPAIRCAFE_DATABASE_URI"):
        load_settings(environ={"REPAIRCAFE_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigError, match="REPAIRCAFE_CONFIGURATION"):
        load_settings(environ={"REPAIRCAFE_CONFIGURATION": "x"})


def test_test_and_requirement_variables_are_not_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    environ = {
        "REPAIRCAFE_TEST_POSTGRES_URL": "postgresql://x/y",
        "REPAIRCAFE_REQUIRE_POSTGRES": "1",
        "REPAIRCAFE_REQUIRE_BROWSER": "1",
        "REPAIRCAFE_CHROMIUM": "/usr/bin/chromium",
        "OTHER_THING": "ignored",
    }
    assert load_settings(environ=environ) == Settings()


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"REPAIRCAFE_DATABASE_ECHO": "maybe"}, "database.echo must be true or false"),
        ({"REPAIRCAFE_SMTP_PORT": "twenty-five"}, "smtp.port must be a whole number"),
        ({"REPAIRCAFE_MAX_UPLOAD_MB": "1.5"}, "app.max_upload_mb must be a whole number"),
        ({"REPAIRCAFE_SCHEDULER_POLL_SECONDS": "soon"},
         "scheduler.poll_seconds must be a whole number"),
    ],
)
def test_type_errors_in_the_environment_are_refused_by_name(tmp_path, monkeypatch, environ, named):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=named):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[smtp]\nport = 25.5\n', "smtp.port must be a whole number"),
        ('[smtp]\nport = true\n', "smtp.port must be a whole number"),
        ('[smtp]\nstarttls = 1\n', "smtp.starttls must be true or false"),
        ('[smtp]\nhost = 12\n', "smtp.host must be text"),
        ('[labels]\nlayout_dirs = 3\n', "labels.layout_dirs must be a list"),
    ],
)
def test_type_errors_in_the_file_are_refused_by_name(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        load_settings(path=_write(tmp_path, text), environ={})


def test_booleans_and_numbers_are_read_from_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={"REPAIRCAFE_DATABASE_ECHO": "yes",
                                      "REPAIRCAFE_SMTP_STARTTLS": "off",
                                      "REPAIRCAFE_SCHEDULER_POLL_SECONDS": " 60 ",
                                      "REPAIRCAFE_LABELS_LAYOUT_DIRS": "/a:/b"})
    assert settings.database.echo is True
    assert settings.smtp.starttls is False
    assert settings.scheduler.poll_seconds == 60
    assert settings.labels.layout_dirs == ("/a", "/b")


@pytest.mark.parametrize("environment", ["development", "testing", "production"])
def test_the_example_secret_is_refused_in_every_environment(tmp_path, monkeypatch, environment):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="REPAIRCAFE_SECRET_KEY") as refused:
        load_settings(environ={"REPAIRCAFE_ENVIRONMENT": environment,
                               "REPAIRCAFE_SECRET_KEY": EXAMPLE_SECRET})
    assert "example value" in str(refused.value)
    example_file = _write(tmp_path, f'[app]\nsecret_key = "{EXAMPLE_SECRET}"\n')
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings(path=example_file, environ={"REPAIRCAFE_ENVIRONMENT": environment})
    with pytest.raises(ConfigError, match="secret_key"):
        create_app({"app": {"environment": environment, "secret_key": EXAMPLE_SECRET,
                            "instance_path": str(tmp_path / "instance")}})
    settings = load_settings(environ={"REPAIRCAFE_ENVIRONMENT": environment,
                                      "REPAIRCAFE_SECRET_KEY": "a-long-random-value-9f83"})
    assert settings.app.secret_key == "a-long-random-value-9f83"


def test_without_a_secret_one_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "instance"
    overrides = {"app": {"instance_path": str(folder), "environment": "production"},
                 "database": {"url": f"sqlite:///{tmp_path / 'x.sqlite'}"}}
    first = create_app(overrides)
    second = create_app(overrides)
    try:
        secret = (folder / SECRET_FILE).read_text().strip()
        assert len(secret) >= 32 and secret != EXAMPLE_SECRET
        assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == secret
        assert (folder / SECRET_FILE).stat().st_mode & 0o777 == 0o600
        assert as_dict(get_settings(first))["app"]["secret_key"] == "********"
    finally:
        for app in (first, second):
            app.extensions["repaircafe.engine"].dispose()
    other = with_instance_defaults(Settings(), str(tmp_path / "elsewhere"))
    assert other.app.secret_key != secret, "each instance folder has its own secret"
    configured = with_instance_defaults(
        replace(Settings(), app=replace(Settings().app, secret_key="set-by-the-operator")),
        str(tmp_path / "third"))
    assert configured.app.secret_key == "set-by-the-operator"
    assert not (tmp_path / "third" / SECRET_FILE).exists()


def test_workers_starting_together_share_one_generated_secret(tmp_path) -> None:
    """Gunicorn workers starting at once into a fresh instance folder agree on the secret."""
    import concurrent.futures

    with concurrent.futures.ProcessPoolExecutor(max_workers=4) as pool:
        secrets = list(pool.map(instance_secret, [tmp_path] * 12))
    assert len(set(secrets)) == 1 and len(secrets[0]) >= 32
    assert sorted(p.name for p in tmp_path.iterdir()) == [SECRET_FILE], "a temporary file was left"


def test_an_unusable_secret_file_is_named(tmp_path) -> None:
    (tmp_path / SECRET_FILE).write_text("\n")
    with pytest.raises(ConfigError, match="delete it"):
        instance_secret(tmp_path)


def test_proxies_is_a_count_of_trusted_proxies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).app.proxies == 0
    assert load_settings(environ={"REPAIRCAFE_PROXIES": "2"}).app.proxies == 2
    with pytest.raises(ConfigError, match="app.proxies"):
        load_settings(environ={"REPAIRCAFE_PROXIES": "-1"})
    with pytest.raises(ConfigError, match="app.proxies must be a whole number"):
        load_settings(environ={"REPAIRCAFE_PROXIES": "yes"})


def test_bad_environment_name_and_base_url_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="app.environment"):
        load_settings(environ={"REPAIRCAFE_ENVIRONMENT": "staging"})
    with pytest.raises(ConfigError, match="app.public_base_url"):
        load_settings(environ={"REPAIRCAFE_PUBLIC_BASE_URL": "rc.example.org"})


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    settings = with_instance_defaults(Settings(), str(tmp_path / "instance"))
    assert settings.database.url == f"sqlite:///{tmp_path / 'instance' / 'repaircafe.sqlite'}"
    assert settings.reports.folder == str(tmp_path / "instance" / "reports")
    assert settings.app.instance_path == str(tmp_path / "instance")


def test_a_configured_instance_folder_is_used_by_the_app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "state"
    app = create_app({"app": {"instance_path": str(folder)}})
    try:
        settings = get_settings(app)
        assert app.instance_path == str(folder)
        assert folder.is_dir()
        assert settings.database.url == f"sqlite:///{folder / 'repaircafe.sqlite'}"
    finally:
        app.extensions["repaircafe.engine"].dispose()


def test_create_app_overrides_reach_flask_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPAIRCAFE_MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("REPAIRCAFE_SECURITY_SESSION_COOKIE_SECURE", "true")
    app = create_app({"database": {"url": f"sqlite:///{tmp_path / 'x.sqlite'}"},
                      "app": {"secret_key": "from-override"}, "TESTING": True})
    try:
        assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SECRET_KEY"] == "from-override"
        assert app.config["TESTING"] is True
    finally:
        app.extensions["repaircafe.engine"].dispose()


def test_as_dict_masks_secrets():
    shown = as_dict(load_settings(environ={}, overrides={"smtp": {"password": "hunter2"},
                                                         "app": {"secret_key": "s3cr3t"}}))
    assert shown["smtp"]["password"] == "********"
    assert shown["app"]["secret_key"] == "********"
    assert "hunter2" not in repr(shown) and "s3cr3t" not in repr(shown)


def test_example_file_lists_exactly_the_settings_with_their_defaults():
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    listed = {section: set(body) for section, body in data.items()}
    expected = _keys()
    assert listed == expected, (
        "config.example.toml and repaircafe/config.py disagree: "
        f"missing {sorted(f'{s}.{k}' for s in expected for k in expected[s] - listed.get(s, set()))}, "
        f"extra {sorted(f'{s}.{k}' for s in listed for k in listed[s] - expected.get(s, set()))}"
    )
    assert load_settings(path=EXAMPLE, environ={}) == Settings()


def test_example_file_comments_every_key():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            above = lines[number - 1]
            assert above.startswith("#") or "=" in above, f"no comment above {line!r}"


def test_catalogues_compile_in_parallel_workers(tmp_path) -> None:
    """Gunicorn workers starting together into a fresh instance folder all get the catalogue."""
    import concurrent.futures

    from repaircafe.i18n import compile_catalogues

    with concurrent.futures.ProcessPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(compile_catalogues, [tmp_path] * 8))
    assert results == [tmp_path] * 8
    assert (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
    assert not list(tmp_path.rglob("*.tmp"))

"""Settings: defaults, DOORSTEP_* variables, an optional TOML file, one-line errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from doorstep.config import SECRET_KEY_FILE, ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No DOORSTEP_* variable from the caller leaks in; relative paths land in tmp_path."""
    for name in list(os.environ):
        if name.startswith("DOORSTEP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write_toml(tmp_path: Path, text: str, monkeypatch) -> Path:
    path = tmp_path / "doorstep.toml"
    path.write_text(text)
    monkeypatch.setenv("DOORSTEP_CONFIG_FILE", str(path))
    return path


def test_defaults_put_a_sqlite_file_in_the_local_data_dir(tmp_path):
    settings = load_settings()
    assert settings.data_dir == Path("./doorstep-data")
    assert settings.database_url is None
    assert settings.database.get_backend_name() == "sqlite"
    assert settings.database.database == str(tmp_path / "doorstep-data" / "doorstep.db")
    assert settings.redis_url is None
    assert (settings.log_format, settings.log_level) == ("text", "INFO")
    assert settings.max_upload_mb == 50
    assert settings.session_cookie_secure is False


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("DOORSTEP_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("DOORSTEP_LOG_FORMAT", "json")
    monkeypatch.setenv("DOORSTEP_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("DOORSTEP_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("DOORSTEP_SESSION_COOKIE_SECURE", "true")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.database.database == str(tmp_path / "elsewhere" / "doorstep.db")
    assert settings.redis_url == "redis://cache:6379/0"
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
    assert settings.max_upload_mb == 7
    assert settings.session_cookie_secure is True


def test_database_url_from_the_environment_wins_over_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert load_settings().database.database == str(tmp_path / "other.db")


def test_empty_database_url_means_the_default(monkeypatch):
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "")
    assert load_settings().database.database.endswith("doorstep-data/doorstep.db")


def test_toml_file_is_read(monkeypatch, tmp_path):
    write_toml(
        tmp_path,
        'data_dir = "/srv/doorstep"\nlog_format = "json"\nmax_upload_mb = 20\n',
        monkeypatch,
    )
    settings = load_settings()
    assert settings.data_dir == Path("/srv/doorstep")
    assert settings.log_format == "json"
    assert settings.max_upload_mb == 20


def test_environment_overrides_the_toml_file(monkeypatch, tmp_path):
    write_toml(tmp_path, 'log_format = "json"\nmax_upload_mb = 20\n', monkeypatch)
    monkeypatch.setenv("DOORSTEP_MAX_UPLOAD_MB", "3")
    settings = load_settings()
    assert settings.max_upload_mb == 3
    assert settings.log_format == "json"


def test_arguments_override_the_environment(monkeypatch):
    monkeypatch.setenv("DOORSTEP_MAX_UPLOAD_MB", "3")
    assert load_settings(max_upload_mb=9).max_upload_mb == 9


def test_bad_value_in_the_toml_file_is_named(monkeypatch, tmp_path):
    write_toml(tmp_path, 'log_format = "xml"\n', monkeypatch)
    with pytest.raises(ConfigError, match="DOORSTEP_LOG_FORMAT"):
        load_settings()


def test_malformed_toml_file_is_a_config_error(monkeypatch, tmp_path):
    write_toml(tmp_path, "log_format = \n", monkeypatch)
    with pytest.raises(ConfigError, match="line 1"):
        load_settings()


def test_config_file_that_does_not_exist_is_an_error_not_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("DOORSTEP_CONFIG_FILE", str(tmp_path / "typo.toml"))
    with pytest.raises(ConfigError, match="DOORSTEP_CONFIG_FILE") as caught:
        load_settings()
    assert "typo.toml" in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DOORSTEP_DATABASE_URL", "garbage", "is not a database URL"),
        ("DOORSTEP_DATABASE_URL", "mysql://u@host/db", "'mysql' is not supported"),
        ("DOORSTEP_DATABASE_URL", "oracle://u@host/db", "'oracle' is not supported"),
        ("DOORSTEP_REDIS_URL", "http://cache:6379", "must start with redis://"),
        ("DOORSTEP_LOG_FORMAT", "xml", "'text' or 'json'"),
        ("DOORSTEP_LOG_LEVEL", "LOUD", "DEBUG"),
        ("DOORSTEP_MAX_UPLOAD_MB", "0", "greater than or equal to 1"),
        ("DOORSTEP_MAX_UPLOAD_MB", "lots", "valid integer"),
        ("DOORSTEP_SESSION_COOKIE_SECURE", "perhaps", "boolean"),
    ],
)
def test_bad_value_is_a_config_error_naming_the_variable(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert says in message
    assert "\n" not in message


def test_every_bad_variable_is_named_at_once(monkeypatch):
    monkeypatch.setenv("DOORSTEP_LOG_FORMAT", "xml")
    monkeypatch.setenv("DOORSTEP_REDIS_URL", "http://x")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "DOORSTEP_LOG_FORMAT" in str(caught.value)
    assert "DOORSTEP_REDIS_URL" in str(caught.value)


@pytest.mark.parametrize("scheme", ["redis://", "rediss://", "unix://"])
def test_redis_schemes_are_accepted(monkeypatch, scheme):
    monkeypatch.setenv("DOORSTEP_REDIS_URL", f"{scheme}cache/0")
    assert load_settings().redis_url == f"{scheme}cache/0"


def test_postgresql_url_gets_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "postgresql://app:s3cret@db:5432/doorstep")
    url = load_settings().database
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "app",
        "s3cret",
        "db",
        5432,
        "doorstep",
    )


def test_explicit_postgresql_driver_is_kept(monkeypatch):
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "postgresql+psycopg://app@db/doorstep")
    assert load_settings().database.drivername == "postgresql+psycopg"


def test_secret_key_is_generated_once_private_and_reused(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data")
    key = settings.resolved_secret_key()
    path = tmp_path / "data" / SECRET_KEY_FILE
    assert path.read_text() == key
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings.resolved_secret_key() == key
    assert load_settings(data_dir=tmp_path / "data").resolved_secret_key() == key


def test_each_data_dir_gets_its_own_secret_key(tmp_path):
    first = load_settings(data_dir=tmp_path / "one").resolved_secret_key()
    second = load_settings(data_dir=tmp_path / "two").resolved_secret_key()
    assert first != second


def test_configured_secret_key_is_used_and_nothing_is_written(monkeypatch, tmp_path):
    monkeypatch.setenv("DOORSTEP_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "data"))
    assert load_settings().resolved_secret_key() == "k" * 40
    assert not (tmp_path / "data" / SECRET_KEY_FILE).exists()

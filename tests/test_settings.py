"""The settings: one typed object from the CREDIT_SCORING_* variables; a bad value names the variable."""

from pathlib import Path

import pytest

from settings import load_settings


def test_defaults_without_any_variable(monkeypatch):
    for name in ("API_KEY", "MODEL_WORKERS", "BATCHING", "DATABASE_URL", "RECORDING"):
        monkeypatch.delenv(f"CREDIT_SCORING_{name}", raising=False)
    settings = load_settings()
    assert settings.api_key is None and settings.model_workers == 1 and settings.batching is True
    assert settings.database_url == "sqlite:///data/decisions.sqlite3" and settings.recording is True
    assert settings.retention_days >= 183 and settings.demo_data == Path("data/demo")


def test_variables_are_read_typed(monkeypatch):
    monkeypatch.setenv("CREDIT_SCORING_API_KEY", "s3cret")
    monkeypatch.setenv("CREDIT_SCORING_MODEL_WORKERS", "2")
    monkeypatch.setenv("CREDIT_SCORING_TRACING", "on")
    settings = load_settings()
    assert settings.api_key.get_secret_value() == "s3cret" and "s3cret" not in repr(settings)
    assert settings.model_workers == 2 and settings.tracing is True


def test_an_empty_key_means_no_key(monkeypatch):
    monkeypatch.setenv("CREDIT_SCORING_API_KEY", "")
    assert load_settings().api_key is None


@pytest.mark.parametrize(("name", "value", "message"), [
    ("TRACING", "yes", "CREDIT_SCORING_TRACING must be 'on' or 'off', got 'yes'"),
    ("MODEL_WORKERS", "0", "CREDIT_SCORING_MODEL_WORKERS must be a whole number >= 1, got '0'"),
    ("LIGHTGBM_THREADS", "two", "CREDIT_SCORING_LIGHTGBM_THREADS must be a whole number >= 1, got 'two'"),
])
def test_a_bad_value_stops_with_one_line_naming_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(f"CREDIT_SCORING_{name}", value)
    with pytest.raises(SystemExit) as stopped:
        load_settings()
    assert str(stopped.value) == message


def test_named_api_keys_come_from_the_variable_and_the_file(monkeypatch, tmp_path):
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"bank-b:{'b' * 64}\n\n")
    monkeypatch.setenv("CREDIT_SCORING_API_KEYS", f"bank-a:{'a' * 64}, partner:{'c' * 64}")
    monkeypatch.setenv("CREDIT_SCORING_API_KEYS_FILE", str(keys_file))
    assert load_settings().named_api_keys() == {"bank-a": "a" * 64, "partner": "c" * 64, "bank-b": "b" * 64}


@pytest.mark.parametrize(("keys", "message"), [
    ("bank-a:1234", "each key is name:sha256-hex-digest"),
    (f":{'a' * 64}", "each key is name:sha256-hex-digest"),
    (f"bank-a:{'a' * 64},bank-a:{'b' * 64}", "the key name 'bank-a' is given twice"),
])
def test_a_bad_named_key_stops_the_service_naming_the_variable(monkeypatch, keys, message):
    monkeypatch.setenv("CREDIT_SCORING_API_KEYS", keys)
    with pytest.raises(SystemExit, match=message) as stopped:
        load_settings().named_api_keys()
    assert str(stopped.value).startswith("CREDIT_SCORING_API_KEYS:")

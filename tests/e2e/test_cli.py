"""``python -m bot`` start-up problems: one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.__main__ import main

CLEARED = ("BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "DATABASE_URL", "TELEGRAM_API_URL")


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No bot settings in the environment, and no .env in the working directory."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Put bot settings in the (clean) environment: ``env(BOT_TOKEN="...")``."""

    def put(**settings: str) -> None:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)

    return put


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_python_m_bot_without_token_prints_one_line_and_exits_non_zero(clean_env: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in CLEARED}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=clean_env,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "BOT_TOKEN is not set: put the token from @BotFather in the environment or .env, "
        "or try the bot without one: python -m bot --console"
    ]


@pytest.mark.parametrize("args", [["--polling"], ["worker"]])
def test_missing_token_in_other_modes(
    clean_env: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(args) == 2
    assert one_line(capsys).startswith("BOT_TOKEN is not set")


def test_malformed_token_is_explained(
    env: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    env(BOT_TOKEN="not-a-token")
    assert main([]) == 2
    assert one_line(capsys) == "BOT_TOKEN is not a valid bot token (expected 123456:ABC-DEF...)"


def test_webhook_without_secret_is_refused_before_starting(
    clean_env: Path, env: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    env(BOT_TOKEN="123456:abc", WEBHOOK_URL="https://example.test/hook")
    assert main(["--webhook"]) == 2
    assert one_line(capsys) == "WEBHOOK_SECRET is not set: webhook mode needs it"
    assert not (clean_env / "data" / "tanpa_antre.db").exists()


def test_webhook_url_chooses_webhook_mode(
    env: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    # WEBHOOK_URL set and no mode flag: webhook mode, which then asks for its secret.
    env(BOT_TOKEN="123456:abc", WEBHOOK_URL="https://example.test/hook")
    assert main([]) == 2
    assert "WEBHOOK_SECRET is not set" in one_line(capsys)


@pytest.mark.parametrize(
    ("settings", "first_words"),
    [
        ({"WEBHOOK_PORT": "eighty"}, "invalid setting WEBHOOK_PORT:"),
        # Nothing listens on port 9 of the loopback: getMe cannot connect.
        ({"TELEGRAM_API_URL": "http://127.0.0.1:9"}, "cannot reach the Bot API server"),
    ],
    ids=["invalid setting is named", "unreachable Bot API is explained"],
)
def test_unusable_setting_is_explained(
    env: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, str],
    first_words: str,
) -> None:
    env(BOT_TOKEN="123456:abc", **settings)
    assert main([]) == 2
    assert one_line(capsys).startswith(first_words)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", "Could not parse"),
        ("postgresql+nodriver://x/y", "Can't load plugin"),
        ("postgresql+asyncpg://x@127.0.0.1:9/x", None),
    ],
)
def test_unusable_database_is_explained(
    env: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
    url: str,
    reason: str | None,
) -> None:
    env(BOT_TOKEN="123456:abc", DATABASE_URL=url)
    assert main([]) == 2
    line = one_line(capsys)
    if reason is None:  # a server that does not answer
        assert line.startswith("cannot open the database:")
    else:
        assert line.startswith("DATABASE_URL cannot be used:") and reason in line

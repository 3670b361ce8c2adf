"""``python -m bot``: run the Tanpa Antre Telegram bot.

Modes:
  python -m bot               long polling; webhook mode instead when WEBHOOK_URL is set
  python -m bot --polling     long polling even when WEBHOOK_URL is set
  python -m bot --webhook     webhook server (needs WEBHOOK_URL and WEBHOOK_SECRET)
  python -m bot --console     the console playground: no token, no network
  python -m bot worker        only the reminder sender, no update handling
  python -m bot display       only the "now serving" screens, on DISPLAY_HOST:DISPLAY_PORT
                              (the webhook server serves them itself)

Settings come from the environment or ``.env`` (see ``bot/config.py``).
Start-up applies pending database migrations, then registers the command menu
(``setMyCommands``, Indonesian and English). A missing ``BOT_TOKEN`` or a bad
setting prints one line and exits with status 2.

SIGINT (Ctrl-C; a terminal sends it to the whole process group) or SIGTERM stops
every mode cleanly: the updates under way are finished, the render workers are
stopped, and the status is 0, a normal stop, so that a supervisor does not count
it as a failure. If the bot dies without stopping (SIGKILL, out of memory), its
render workers exit too (``bot.child_processes``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.utils.token import TokenValidationError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from bot.app import DatabaseUrlError, MissingToken
from bot.config import BotSettings
from bot.webhook import WebhookConfigError

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run the Tanpa Antre Telegram bot. Settings come from the environment "
        "or .env: BOT_TOKEN, DATABASE_URL, TELEGRAM_API_URL, REDIS_URL, WEBHOOK_URL, "
        "WEBHOOK_SECRET, WEBHOOK_HOST, WEBHOOK_PORT, DISPLAY_URL, DISPLAY_HOST, DISPLAY_PORT, "
        "DEFAULT_LOCALE, NIK_SECRET.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["worker", "display"],
        help="worker: run only the reminder sender; display: serve only the 'now serving' screens",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--polling", action="store_true", help="long polling (the default)")
    mode.add_argument(
        "--webhook", action="store_true", help="webhook server (default when WEBHOOK_URL is set)"
    )
    mode.add_argument(
        "--console", action="store_true", help="try the bot in this terminal: no token needed"
    )
    parser.add_argument(
        "--admin",
        metavar="OFFICE",
        help="with --console: play as an admin of OFFICE (e.g. JAKSEL), to try /admin",
    )
    return parser


def explain(exc: BaseException) -> str | None:
    """One line for a start-up problem the operator can fix; None for anything else."""
    if isinstance(exc, MissingToken):
        return (
            "BOT_TOKEN is not set: put the token from @BotFather in the environment or .env, "
            "or try the bot without one: python -m bot --console"
        )
    if isinstance(exc, TokenValidationError):
        return "BOT_TOKEN is not a valid bot token (expected 123456:ABC-DEF...)"
    if isinstance(exc, TelegramUnauthorizedError):
        return "Telegram refused BOT_TOKEN (401 Unauthorized): check the token"
    if isinstance(exc, TelegramNetworkError):
        return f"cannot reach the Bot API server: {exc.message}"
    if isinstance(exc, WebhookConfigError | DatabaseUrlError):
        return str(exc).splitlines()[0]
    if isinstance(exc, DBAPIError | ConnectionError):
        return f"cannot open the database: {str(exc).splitlines()[0]}"
    return None


async def run(args: argparse.Namespace, settings: BotSettings) -> None:
    if args.console:
        from bot.console import run_console

        await run_console(settings, admin_of=args.admin)
    elif args.command == "worker":
        from bot.worker import run_worker

        await run_worker(settings)
    elif args.command == "display":
        from bot.display import run_display

        await run_display(settings)
    elif args.webhook or (settings.webhook_url and not args.polling):
        from bot.webhook import run_webhook

        await run_webhook(settings)
    else:
        from bot.app import run_polling

        await run_polling(settings)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.console else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = BotSettings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "_".join(str(part) for part in error["loc"]).upper() or "setting"
        print(f"invalid setting {name}: {error['msg']}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        asyncio.run(run(args, settings))
    except KeyboardInterrupt:  # Ctrl-C in the console, or during start-up: a stop
        return 0
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())

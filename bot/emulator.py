"""An in-process Telegram Bot API emulator (aiohttp).

It speaks enough of the Bot API for the bot's real aiohttp session: ``getMe``,
long-polling ``getUpdates``, and the send/edit/answer methods, which it records.
The console playground, the end-to-end tests and the reminder benchmark point
``TELEGRAM_API_URL`` at it. It can enforce Telegram's rate limits (answering 429
with ``retry_after``) and be told to fail requests with 403, 429 or 500.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SEND_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendlocation", "sendvenue", "sendcontact"}
)
EDIT_METHODS = frozenset(
    {"editmessagetext", "editmessagereplymarkup", "editmessagecaption", "editmessagemedia"}
)
# What the rate limits count: Telegram counts an edit like a message; callback
# answers are not limited.
LIMITED_METHODS = SEND_METHODS | EDIT_METHODS
BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Tanpa Antre",
    "username": "tanpa_antre_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class ApiCall:
    """One recorded request: the method, its form fields (JSON fields decoded),
    and uploaded files by field name."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = 0.0
    status: int = 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None


@dataclass
class Fault:
    status: int  # 403, 429 or 500
    retry_after: int = 1
    remaining: int = 1  # how many matching requests fail


class RateLimiter:
    """Sliding one-second windows: ``global_per_s`` sends overall and
    ``per_chat_per_s`` sends to one chat; or, with ``per_chat_burst``, a token
    bucket per chat of that many sends, refilled at ``per_chat_per_s``."""

    def __init__(
        self,
        global_per_s: float | None,
        per_chat_per_s: float | None,
        per_chat_burst: int | None = None,
    ) -> None:
        self.global_per_s = global_per_s
        self.per_chat_per_s = per_chat_per_s
        self.per_chat_burst = per_chat_burst
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = defaultdict(deque)
        self._buckets: dict[int, tuple[float, float]] = {}  # chat: (tokens, at)

    def _bucket_admits(self, chat_id: int, rate: float, burst: int, now: float) -> bool:
        tokens, at = self._buckets.get(chat_id, (float(burst), now))
        tokens = min(float(burst), tokens + (now - at) * rate)
        if tokens < 1.0:
            return False
        self._buckets[chat_id] = (tokens - 1.0, now)
        return True

    def admit(self, chat_id: int | None, now: float) -> bool:
        window = 1.0
        while self._all and now - self._all[0] >= window:
            self._all.popleft()
        if self.global_per_s is not None and len(self._all) >= self.global_per_s:
            return False
        if chat_id is not None and self.per_chat_per_s is not None and self.per_chat_burst:
            if not self._bucket_admits(chat_id, self.per_chat_per_s, self.per_chat_burst, now):
                return False
        elif chat_id is not None and self.per_chat_per_s is not None:
            chat = self._chats[chat_id]
            while chat and now - chat[0] >= window:
                chat.popleft()
            if len(chat) >= self.per_chat_per_s:
                return False
            chat.append(now)
        self._all.append(now)
        return True


Listener = Callable[[ApiCall, dict[str, Any] | bool], Awaitable[None] | None]


class BotApiEmulator:
    """Usage::

    async with BotApiEmulator() as api:
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        api.send_text(user_id=1, text="/start")
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        global_per_s: float | None = None,
        per_chat_per_s: float | None = None,
        per_chat_burst: int | None = None,
        retry_after: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self.calls: list[ApiCall] = []
        self.limiter = RateLimiter(global_per_s, per_chat_per_s, per_chat_burst)
        self.retry_after = retry_after
        self.retry_after_sent = 0
        self.blocked_chats: set[int] = set()
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.listeners: list[Listener] = []
        # Methods whose requests hang unanswered until ``unstall`` (then fail 502):
        # a bot killed meanwhile never learns whether they arrived.
        self.stalled: set[str] = set()
        self.stalled_requests = 0
        self._unstalled = asyncio.Event()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        # The highest update_id the bot confirmed by asking getUpdates for a later offset.
        self.confirmed_update_id = 0
        self._confirmation = asyncio.Condition()
        self._closing = False
        # The parameters of the latest getUpdates request (offset, timeout, allowed_updates).
        self.last_poll: dict[str, Any] | None = None
        self._runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        # Wake pending long polls so that shutting down does not wait for their timeout.
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- what users do -------------------------------------------------------

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (without ``update_id``; one is assigned)."""
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    async def _notify(self) -> None:
        async with self._new_update:
            self._new_update.notify_all()

    def message_payload(
        self,
        user_id: int,
        *,
        text: str | None = None,
        first_name: str = "Pengguna",
        language_code: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": self._user(user_id, first_name, language_code),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"message": message}

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.push_update(self.message_payload(user_id, text=text, **kwargs))

    def share_contact(self, user_id: int, phone: str, first_name: str = "Pengguna") -> dict:
        contact = {"phone_number": phone, "first_name": first_name, "user_id": user_id}
        return self.push_update(self.message_payload(user_id, contact=contact))

    def press(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        first_name: str = "Pengguna",
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """Tap an inline button carrying ``data`` on one of the bot's messages."""
        if message_id is None:
            origin = self.last_bot_message(user_id)
        else:
            origin = self.bot_message(user_id, message_id)
        mid = message_id or (origin["message_id"] if origin else next(self._message_ids))
        query = {
            "id": str(next(self._update_ids) * 7919),
            "from": self._user(user_id, first_name, language_code),
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": mid,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": first_name},
                "from": BOT_USER,
                "text": (origin or {}).get("text", "…"),
            },
        }
        return self.push_update({"callback_query": query})

    # --- what the bot did ------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | None = None) -> list[ApiCall]:
        name = method.lower()
        return [
            c
            for c in self.calls
            if c.method.lower() == name and (chat_id is None or c.chat_id == chat_id)
        ]

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        for call in reversed(self.calls):
            if (
                call.chat_id == chat_id
                and call.status == 200
                and call.method.lower()
                in (SEND_METHODS | {"editmessagetext", "editmessagereplymarkup"})
            ):
                return call.params | {"message_id": call.params.get("_message_id")}
        return None

    async def wait_confirmed(self, update_id: int, within_s: float) -> bool:
        """Wait until the bot asked getUpdates for an offset past ``update_id``.

        A bot polling with ``handle_as_tasks=False`` asks for the next offset only
        once it has handled the update, so this waits for the handling to finish.
        """

        async def confirmed() -> None:
            async with self._confirmation:
                await self._confirmation.wait_for(lambda: self.confirmed_update_id >= update_id)

        try:
            await asyncio.wait_for(confirmed(), within_s)
        except TimeoutError:
            return False
        return True

    def bot_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The latest content of the bot's message ``message_id`` in ``chat_id``."""
        for call in reversed(self.calls):
            if (
                call.chat_id == chat_id
                and call.status == 200
                and call.params.get("_message_id") == message_id
                and call.method.lower()
                in (SEND_METHODS | {"editmessagetext", "editmessagereplymarkup"})
            ):
                return call.params | {"message_id": message_id}
        return None

    def stall(self, method: str) -> None:
        """Leave every request of ``method`` unanswered until ``unstall``."""
        self.stalled.add(method.lower())
        self._unstalled.clear()

    def unstall(self) -> None:
        """Answer the stalled requests with 502 (not delivered); stall no more."""
        self.stalled.clear()
        self._unstalled.set()

    def fail_next(self, method: str, status: int, *, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer ``status``."""
        self.faults[method.lower()].append(Fault(status, retry_after, times))

    # --- HTTP ----------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                name = getattr(part, "name", None)
                if name is None:
                    continue
                filename = getattr(part, "filename", None)
                data = await part.read()  # type: ignore[union-attr]
                if filename:
                    files[name] = (filename, bytes(data))
                else:
                    params[name] = bytes(data).decode("utf-8")
        elif request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(dict(await request.post()))
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        # Attached files are referenced as attach://name; resolve to the field.
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                ref = value.removeprefix("attach://")
                if ref in files:
                    files[key] = files.pop(ref)
        return params, files

    def _fault(self, method: str, chat_id: int | None) -> Fault | None:
        queue = self.faults.get(method)
        if queue:
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault
        if chat_id is not None and chat_id in self.blocked_chats and method in SEND_METHODS:
            return Fault(403)
        return None

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params, files = await self._params(request)
        call = ApiCall(request.match_info["method"], params, files, time.monotonic())
        if method == "getupdates":
            self.last_poll = params
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        chat_id = call.chat_id
        if method in self.stalled:
            self.stalled_requests += 1
            await self._unstalled.wait()
            call.status = 502
            self.calls.append(call)
            return self._error(502, "Bad Gateway")
        fault = self._fault(method, chat_id)
        if fault is None and method in LIMITED_METHODS:
            if not self.limiter.admit(chat_id, call.at):
                fault = Fault(429, self.retry_after)
        if fault is not None:
            call.status = fault.status
            self.calls.append(call)
            if fault.status == 429:
                self.retry_after_sent += 1
                return self._error(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    retry_after=fault.retry_after,
                )
            if fault.status == 403:
                return self._error(403, "Forbidden: bot was blocked by the user")
            return self._error(fault.status, "Internal Server Error")
        result = self._result(method, params, files)
        if isinstance(result, dict) and "message_id" in result:
            params["_message_id"] = result["message_id"]
        self.calls.append(call)
        for listener in self.listeners:
            outcome = listener(call, result)
            if asyncio.iscoroutine(outcome):
                await outcome
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if offset - 1 > self.confirmed_update_id:
                self.confirmed_update_id = offset - 1
                async with self._confirmation:
                    self._confirmation.notify_all()
        if not self._updates and timeout > 0 and not self._closing:
            async with self._new_update:
                try:
                    await asyncio.wait_for(self._new_update.wait(), timeout=timeout)
                except TimeoutError:
                    pass
        return self._updates[:limit]

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        try:
            chat: dict[str, Any] = {"id": int(chat_id), "type": "private"}  # type: ignore[arg-type]
        except (TypeError, ValueError):
            chat = {"id": 0, "type": "private"}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **content,
        }
        if (
            isinstance(params.get("reply_markup"), dict)
            and "inline_keyboard" in params["reply_markup"]
        ):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _result(self, method: str, params: dict[str, Any], files: dict) -> dict[str, Any] | bool:
        if method == "getme":
            return BOT_USER
        if method == "sendmessage":
            return self._message(params, text=params.get("text", ""))
        if method == "editmessagetext":
            result = self._message(params, text=params.get("text", ""))
            if params.get("message_id"):
                result["message_id"] = int(params["message_id"])
            return result
        if method == "editmessagereplymarkup":
            result = self._message(params, text="")
            if params.get("message_id"):
                result["message_id"] = int(params["message_id"])
            return result
        if method == "sendphoto":
            size = len(files.get("photo", ("", b""))[1])
            photo = [{"file_id": "photo", "file_unique_id": "p", "width": 1, "height": 1,
                      "file_size": size}]  # fmt: skip
            return self._message(params, photo=photo, caption=params.get("caption"))
        if method == "senddocument":
            name = files.get("document", ("file", b""))[0]
            document = {"file_id": "doc", "file_unique_id": "d", "file_name": name}
            return self._message(params, document=document, caption=params.get("caption"))
        if method == "sendlocation":
            location = {
                "latitude": float(params.get("latitude", 0)),
                "longitude": float(params.get("longitude", 0)),
            }
            return self._message(params, location=location)
        return True

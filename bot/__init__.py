"""Tanpa Antre Telegram layer (aiogram 3): thin handlers over the ``booking`` domain."""

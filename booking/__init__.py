"""Tanpa Antre booking domain: offices, schedules, quotas and appointments.

This package never imports aiogram; the Telegram layer lives in ``bot``.
"""

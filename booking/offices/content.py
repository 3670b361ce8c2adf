"""Texts applicants read (requirements, fees, FAQ, opening hours), loaded from a data
file so an office can change them without a release."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, field_validator

from booking.core.kinds import Passport, ServiceType

DEFAULT_CONTENT_FILE = Path(__file__).parents[1] / "data" / "content.yaml"
LANGUAGES = ("id", "en")


class Localized(BaseModel):
    """One text in every language; ``get`` falls back to Indonesian."""

    id: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.id


class LocalizedList(BaseModel):
    id: list[str]
    en: list[str]

    def get(self, language: str) -> list[str]:
        return self.en if language == "en" else self.id


class ServiceContent(BaseModel):
    name: Localized
    documents: LocalizedList


class Fee(BaseModel):
    label: Localized
    amount: int
    passport: Passport | None = None  # the passport this fee is for (offered when booking)


class FaqEntry(BaseModel):
    q: Localized
    a: Localized


class Content(BaseModel):
    services: dict[ServiceType, ServiceContent]
    fees: list[Fee]
    fees_source: Localized
    faq: list[FaqEntry]
    hours_note: Localized
    payment: Localized | None = None  # how to pay the PNBP fee

    @field_validator("services")
    @classmethod
    def _every_service(
        cls, v: dict[ServiceType, ServiceContent]
    ) -> dict[ServiceType, ServiceContent]:
        missing = [s.value for s in ServiceType if s not in v]
        if missing:
            raise ValueError(f"no content for service(s): {', '.join(missing)}")
        return v


def load_content(path: Path | None = None) -> Content:
    """Read and validate a content file; raises ``ValueError`` naming what is wrong."""
    source = path or DEFAULT_CONTENT_FILE
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    return Content.model_validate(data)

"""The knowledge base: the ``knowledge`` entries of the content file
(``booking/data/content.yaml``), validated."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, field_validator

from booking.offices.content import DEFAULT_CONTENT_FILE, Localized, LocalizedList


class OfficeFact(StrEnum):
    """What an entry's answer names about the applicant's office."""

    HOURS = "hours"
    LOCATION = "location"
    PHONE = "phone"
    RELEASE = "release"


class Entry(BaseModel):
    id: str
    q: Localized
    a: Localized
    phrasings: LocalizedList
    office_fact: OfficeFact | None = None
    # A question about something this bot does not handle: the bot says so, and
    # counts it as not answered.
    outside: bool = False
    source: str | None = None

    def texts(self) -> list[str]:
        """The question and its phrasings in every language."""
        return [self.q.id, self.q.en, *self.phrasings.id, *self.phrasings.en]


class KnowledgeBase(BaseModel):
    entries: list[Entry]

    @field_validator("entries")
    @classmethod
    def _unique_ids(cls, v: list[Entry]) -> list[Entry]:
        seen: set[str] = set()
        for entry in v:
            if entry.id in seen:
                raise ValueError(f"entry id {entry.id!r} appears twice")
            seen.add(entry.id)
        return v

    def entry(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def load_knowledge(path: Path | None = None) -> KnowledgeBase:
    """Read the ``knowledge`` section of a content file; raises ``ValueError``."""
    source = path or DEFAULT_CONTENT_FILE
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    return KnowledgeBase.model_validate({"entries": data.get("knowledge") or []})

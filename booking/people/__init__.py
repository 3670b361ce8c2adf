"""Applicants: their NIK (keyed hash and masked form), name, language and phone."""

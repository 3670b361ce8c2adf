"""Offices and their sessions as read by everyone, and the content applicants read."""

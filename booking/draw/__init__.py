"""The fair release: requests over a window, then a verifiable draw (docs/fair-release.md)."""

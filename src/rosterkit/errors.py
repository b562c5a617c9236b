"""Exceptions: only for when work cannot go on. Data problems are :class:`rosterkit.issues.Issue` objects."""

from __future__ import annotations


class RosterkitError(Exception):
    """Base class; the CLI catches it once and exits with code 2."""


class InputError(RosterkitError):
    """The caller asked for something impossible (no such folder, bad option value)."""


class TemplateError(RosterkitError):
    """An official template is missing or cannot be understood."""

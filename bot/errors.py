"""Refusals a handler raises. Everything it did is rolled back and the user is told why."""

from __future__ import annotations


class UserError(Exception):
    """A rule of the product said no (vote closed, not your concern...). str() is the one
    line the user sees."""


class PermissionDenied(UserError):
    pass

"""Errors a member can act on. Their message is shown as it is; anything else is a bug."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action: one clear message, shown privately, nothing written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    """The member may not do this (checked on the server, every time)."""


MODERATORS_ONLY = "Only moderators can use {what}."

"""Capabilities, one package (or, when small, one module) each. Each declares its commands,
actions, reactions, thread replies and due work in a `register(reg)` function."""

from __future__ import annotations

from importlib import import_module

from bot.registry import Registry

# Order is the order of `/help` sections and of the demo.
MODULES = (
    "admin",
    "help",
    "me",
    "language",
    "votes",
    "decisions",
    "rfcs",
    "events",
    "tickets",
    "feedback",
    "kb",
    "onboarding",
    "kudos",
    "certs",
    "audit",
)


def register_all(reg: Registry | None = None) -> Registry:
    reg = reg or Registry()
    for name in MODULES:
        import_module(f"commands.{name}").register(reg)
    return reg

"""End-to-end fixtures: one real Synapse homeserver per test session (on 127.0.0.1, in a
temp dir), plus helpers to make users and logged-in matrix-nio clients on it.

Tests share the homeserver, so make fresh users per test (synapse_user does).
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.e2e.synapse_harness import SynapseServer, login_client

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """A started homeserver shared by the whole run; stopped at the end whatever happens."""
    if importlib.util.find_spec("synapse") is None:  # checked, not imported: it is heavy
        pytest.skip("matrix-synapse is not installed (pip install moot[dev])")
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def synapse_user(synapse: SynapseServer) -> Callable[..., tuple[str, str]]:
    """make(prefix="user", admin=False) -> (user_id, password) for a fresh user."""

    def make(prefix: str = "user", admin: bool = False) -> tuple[str, str]:
        return synapse.register(synapse.unique_localpart(prefix), PASSWORD, admin=admin), PASSWORD

    return make


@pytest.fixture
async def matrix_client(
    synapse: SynapseServer, synapse_user: Callable[..., tuple[str, str]]
) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """await matrix_client("alice") -> logged-in nio.AsyncClient for a fresh user; every
    client made is closed after the test."""
    clients: list[Any] = []

    async def make(prefix: str = "user", admin: bool = False) -> Any:
        user_id, password = synapse_user(prefix, admin)
        client = await login_client(synapse, user_id, password)
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()

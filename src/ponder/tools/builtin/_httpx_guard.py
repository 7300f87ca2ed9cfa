"""An httpx transport whose connections go through ``_netguard``'s ``GuardedBackend``.

httpx has no public way to give ``HTTPTransport`` a network backend, so this adapter builds
the transport and replaces its connection pool (the private ``_pool``) with one that uses
the guarded backend. This is the one place that touches httpx's internals: if an httpx
upgrade moves them, the check below fails loudly (tests/tools/test_netguard.py covers it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.tools.builtin._netguard import AddressPolicy, guarded_backend

if TYPE_CHECKING:
    import httpx


def guarded_transport(policy: AddressPolicy) -> httpx.HTTPTransport:
    import httpcore
    import httpx

    transport = httpx.HTTPTransport(trust_env=False)  # no proxy from the environment: we connect ourselves
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        raise RuntimeError(
            f"httpx {httpx.__version__} no longer keeps an httpcore.ConnectionPool in HTTPTransport._pool; "
            "ponder/tools/builtin/_httpx_guard.py needs updating (a bug in Ponder)"
        )
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        network_backend=guarded_backend(policy),
    )
    return transport

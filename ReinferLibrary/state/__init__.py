"""What outlives a robot process on this machine: stream leases and ledgers.

Imports nothing of ``keywords`` or Robot Framework; keywords and ``Process Trigger`` use it.

The interface, in full (details in each module's docstring)::

    from ReinferLibrary.state import Ledger, StreamKey, hold, lease_store

    key = StreamKey.of("https://tenant.example", "acme/retail-inbox", "routing")

    # One consumer per stream (ReinferLibrary.state.lease)
    store = lease_store(None)            # None | folder | file:///folder | redis://... (registered)
    lease = hold(store, key, ttl=DEFAULT_TTL, robot="Triage", takeover=False, wait=0)
    lease.check()                        # LeaseLostError once another consumer took the stream over
    lease.release()                      # also done at interpreter exit

    # Nothing processed twice (ReinferLibrary.state.ledger)
    ledger = Ledger.open(key)            # <state dir>/ledgers/<slug>.sqlite3, WAL, synchronous=FULL
    news = ledger.note_batch([item.sequence_id, ...], batch.sequence_id)   # after each fetch
    ledger.finished([item.uid, ...])     # {uid: "done" | "exception"}: skip these
    ledger.mark(item.uid, "done", item.sequence_id)                        # durable on return
    ledger.check_advance(sequence_id)    # AdvanceCheck(backwards=..., comments_back=...)
    ledger.record_advance(sequence_id)   # after the server accepted it; prunes old rows
    ledger.forget()                      # after Reset Trigger: a replay processes again

State directory: ``REINFER_STATE_DIR``, else ``~/.cache/reinfer-library`` (the user's cache
directory; see :mod:`.paths`). Leases live in ``leases/``, ledgers in ``ledgers/``.
A shared lease backend implements :class:`LeaseStore` (four atomic operations) and calls
:func:`register_lease_store` for its URL scheme.
"""

from .lease import (
    DEFAULT_TTL,
    FileLeaseStore,
    LeaseOwner,
    LeaseStore,
    StreamLease,
    held_lease,
    hold,
    lease_store,
    register_lease_store,
)
from .ledger import KEEP_POSITIONS, KEEP_UNPLACED, OUTCOMES, AdvanceCheck, Ledger, Outcome, StreamNews
from .paths import STATE_DIR_ENV, StreamKey, state_dir, tenant_host

__all__ = [
    "DEFAULT_TTL",
    "KEEP_POSITIONS",
    "KEEP_UNPLACED",
    "OUTCOMES",
    "STATE_DIR_ENV",
    "AdvanceCheck",
    "FileLeaseStore",
    "LeaseOwner",
    "LeaseStore",
    "Ledger",
    "Outcome",
    "StreamKey",
    "StreamLease",
    "StreamNews",
    "held_lease",
    "hold",
    "lease_store",
    "register_lease_store",
    "state_dir",
    "tenant_host",
]

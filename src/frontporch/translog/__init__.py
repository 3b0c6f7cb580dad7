"""The transparency log: an append-only Merkle log anyone can check.

- `merkle` (pure, standard library only): RFC 9162 section 2.1 tree hashing, inclusion
  and consistency proofs, and the subtree-range arithmetic a stored log needs.
- `checkpoint` (signed notes): C2SP tlog-checkpoint bodies in C2SP signed-note
  envelopes, signed and verified with Ed25519.
- `log` (storage-backed): appends entries, stores the perfect subtree hashes, serves
  checkpoints and proofs.
- `verify`: what a monitor (a hub, an auditor) runs to check proofs and checkpoints,
  with `state` (what it remembers, one JSON file), `compact` (the compact range that
  lets it audit only new entries) and `client` (the server's public log API over HTTP).

Every failed check raises a `TranslogError` subclass (see `errors`); none returns False.
"""

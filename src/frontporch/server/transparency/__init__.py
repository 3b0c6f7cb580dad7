"""The transparency log in the server's database: the sequencer, checkpoints, the public API.

- `models`: the tables (`log_entries`, `log_subtrees`, `log_state`, `log_checkpoints`);
  the migration 0004 adds triggers that refuse UPDATE and DELETE on the first, second and
  fourth, so no code path can rewrite history.
- `repository`: `SqlLogStorage`, the `translog.log.LogStorage` over those tables (the
  sequencer lock lives here), and the checkpoint queries.
- `keys`: the origin and the checkpoint signing keys from the settings.
- `service`: append entries (in the caller's transaction), sign checkpoints, proofs
  bounded by the latest checkpoint.
- `checkpointer`: the background thread that signs a checkpoint every few seconds.
- `endpoints` and `tiles`: the public HTTP API under /api/log and the C2SP
  tlog-tiles layout under /log.
"""

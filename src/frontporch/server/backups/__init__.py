"""Off-site backup on the community server: a paired hub's already-encrypted objects,
stored by opaque key in the server's blob store under a quota per home that the
operator sets. The server learns nothing but keys and sizes (docs/server.md, "Backups")."""

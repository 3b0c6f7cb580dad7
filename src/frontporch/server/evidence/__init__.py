"""Evidence on the server: hubs' signed release manifests (logged as `release` before any
upload), the clips' ciphertext (resumable, capped, checked against the manifest), the
agency's evidence package, and deletion after the download window. The server never
holds a key that opens a clip."""

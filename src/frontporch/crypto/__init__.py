"""Keys and signatures: the hub's identity (Ed25519, age X25519) and signed messages."""

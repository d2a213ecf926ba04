"""Pure encoders/decoders: bytes in, bytes out, no I/O (tested against the reference vectors of
tests/drivers/data/vectors.toml; docs/protocols.md)."""

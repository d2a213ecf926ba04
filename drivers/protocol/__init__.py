"""Pure encoders/decoders: bytes in, bytes out, no I/O (tested against VECTORS.md)."""

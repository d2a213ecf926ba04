"""Events: the wake-up bus between workers and the stream hub that feeds screens."""

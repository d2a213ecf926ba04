"""``lobbyq simulate``: a branch day on a virtual clock, through lobbyq's own services (#11)."""

"""The service layer: one unit of work per change, rules in the middle, events out of the
same transaction."""

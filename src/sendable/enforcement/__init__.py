"""Enforcement: strikes, the ladder, bans, flags, appeals and reputation."""

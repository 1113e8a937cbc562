"""Routes, one module per area of CONTRACT.md §6."""

"""Routes, one module per area of the API (docs/http.md)."""

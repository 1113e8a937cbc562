"""Pure text layer: normalisation, term matching and community-guideline checks."""

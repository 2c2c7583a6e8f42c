"""Pages of the document center (one module per subject)."""

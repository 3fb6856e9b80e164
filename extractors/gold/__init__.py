"""Gold annotations: sampling, validation and inter-annotator agreement."""

"""The Textual app: a view over the core, and the only package that imports Textual."""

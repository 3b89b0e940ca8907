"""The settings: the model, the layers it is read from (the quick reader
that ``coach status`` and the app's first frame use, with no pydantic), the
configuration file, and where coach keeps its files (``paths``).
"""

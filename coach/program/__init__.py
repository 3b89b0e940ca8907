"""Program files: the model, the loader and its error positions, durations,
the library and its cache, and the timeline a program becomes.
"""

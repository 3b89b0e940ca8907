"""The command line: the parser and the commands, and ``coach doctor``."""

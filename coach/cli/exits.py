"""The exit statuses every command shares."""

EXIT_OK = 0
"""Done, or nothing wrong found."""
EXIT_INVALID = 1
"""Something checked is wrong: a bad program file, a damaged history."""
EXIT_USAGE = 2
"""The command cannot run as asked: a bad flag, a bad setting, an unknown program."""

"""The local history: the SQLite store (``store``) with the records it keeps
(``records``), its migrations (``schema``), its locks (``locks``) and the
reading of export files (``exchange``); the calendar (local days, streaks,
adherence) and the reports.
"""

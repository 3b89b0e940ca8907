"""The local history: the SQLite store (records, migrations, locks, export
and import), the calendar (local days, streaks, adherence), the reports,
and the quick status read.
"""

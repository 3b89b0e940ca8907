"""Break reminders: the scheduler (a pure state machine), the break host the
app and ``coach remind`` share, idle detection and desktop notifications.
"""

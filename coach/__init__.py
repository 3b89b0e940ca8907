"""coach: a terminal exercise coach for hands, wrists, forearms and necks.

The package is split in two: the core (program model, loader, timeline,
library, settings) which never imports Textual, and ``coach.tui``, a view
over the core.
"""

__version__ = "0.1.0"

"""SpiffWorkflow's own logging, quiet by default: it logs every task state change at INFO (13 MB
in 40 minutes of a busy server), which buries what an operator needs to read."""
from __future__ import annotations

import logging

# The parent of SpiffWorkflow's loggers (spiff.task, spiff.workflow, spiff.data, spiff.dmn).
SPIFF_LOGGER = "spiff"


def set_spiff_log_level(level: str | int) -> None:
    """Every process calls this when it builds its system (``SPIFF_LOG_LEVEL``, WARNING by default);
    INFO or DEBUG bring the state changes back for diagnosing a diagram."""
    logging.getLogger(SPIFF_LOGGER).setLevel(level)

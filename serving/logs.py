"""Server logs without client data: a rejected request body is logged as one line naming fields only.

BentoML logs every request body that fails the request model as an error with a full traceback
(``Exception on /predict [POST]``), and pydantic's message quotes the values sent: an income, a
date of birth, a whole application. `RejectionSummary` turns those records into one INFO line with
the number of errors and their locations, never the values.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

__all__ = ["BENTOML_REQUEST_LOGGER", "RejectionSummary"]

#: The logger BentoML 1.4 reports request exceptions on (``bentoml._internal.server.http_app``).
BENTOML_REQUEST_LOGGER = "bentoml._internal.server.http_app"
_SHOWN = 10


class RejectionSummary(logging.Filter):
    """Rewrites log records of request bodies that failed validation into one line without values."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValidationError):
            places = [".".join(str(part) for part in detail["loc"]) or "body" for detail in error.errors()]
            shown = ", ".join(places[:_SHOWN]) + (", ..." if len(places) > _SHOWN else "")
            record.msg = (f"{record.getMessage()}: request rejected, {len(places)} validation error(s) "
                          f"at {shown}")
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True

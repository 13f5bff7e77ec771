"""Result tokens never reach a log.

A result's token is its only key (`/r/<token>/`): whoever reads an access log line with it can open that person's
result. gunicorn's access log (request line and Referer), its error log and Django's request warnings
("Not Found: /r/…/") all pass through this filter: config/gunicorn.conf.py attaches it to gunicorn's loggers,
settings.LOGGING to Django's.
"""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/r/)[A-Za-z0-9_-]{16,40}(?=/|$|[\s\"'?#])")


def redact(text):
    """`text` with every /r/<token> replaced by /r/…"""
    return TOKEN_IN_PATH.sub(r"\1…", text)


class RedactResultTokens(logging.Filter):
    """A logging filter that rewrites a record's message without result tokens (and never drops a record)."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

"""gunicorn settings for every way the site is served: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

`make serve`, docs/deployment.md and the tests use it. Command-line options (--bind, --workers) still override it.
gunicorn must only ever be reached through the reverse proxy (docs/deployment.md): it binds to loopback by default,
and the proxy buffers request bodies, so a slow client ties up a proxy connection, not one of a few workers.
"""

import os

from gunicorn.glogging import Logger

from config.redact import RedactResultTokens

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 30
graceful_timeout = 20
accesslog = "-"
errorlog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger, with result tokens taken out of the access log (request line, Referer) and error log."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(RedactResultTokens())


logger_class = RedactingLogger

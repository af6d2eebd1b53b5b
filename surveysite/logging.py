"""Keep personal links out of every log line.

Request paths carry the secret (`/s/<secret>/`); Django logs them for 404s and runserver and
gunicorn log every request line. This filter rewrites the record before any handler sees it.
"""

import logging
import logging.config
import re

SECRET_IN_PATH = re.compile(r"/s/[A-Za-z0-9_\-]+")
REDACTED = "/s/[redacted]"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(REDACTED, text)


class RedactPersonalLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET_IN_PATH.search(message):
            record.msg = redact(message)
            record.args = ()
        if hasattr(record, "request"):
            # django.request attaches the request; handlers such as AdminEmailHandler print it.
            record.request = None
        return True


# gunicorn sets up its loggers (and with them the access log) before Django starts. Named in
# LOGGING, dictConfig would replace their handlers with ours and the access log would be lost;
# so they stay out of it and only get the filter, whatever gunicorn command line started us.
GUNICORN_LOGGERS = ("gunicorn.access", "gunicorn.error")


def configure(config: dict) -> None:
    """settings.LOGGING_CONFIG: Django's LOGGING, then the filter on gunicorn's loggers."""
    logging.config.dictConfig(config)
    for name in GUNICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(each, RedactPersonalLinks) for each in logger.filters):
            logger.addFilter(RedactPersonalLinks())

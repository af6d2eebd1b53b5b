"""Celery tasks, thin: keyword-only *_id arguments, a stable name, one service call each.

Split by sub-domain; this package imports each module so that autodiscovery finds them.
"""

from . import fieldwork, results  # noqa: F401

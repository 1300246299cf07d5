"""The local web app (``mscohort serve``): :func:`create_app` and its :class:`WebConfig`."""

from mscohort.web.app import create_app
from mscohort.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]

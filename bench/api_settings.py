"""Settings for bench/api.py only: the product's settings plus a urlconf with the bare view."""

from kam.settings import *  # noqa: F403

ROOT_URLCONF = "api_urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False}

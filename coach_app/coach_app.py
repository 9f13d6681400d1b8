"""The Reflex app: theme, HTTP routes and page registration only."""

import os

import reflex as rx

from coach_app import pages  # noqa: F401  (registers every @rx.page)
from coach_app.api.routes import api
from coach_app.auth import origins
from coach_app.auth.routes import configure_proxy_hops
from coach_app.settings import get_settings

# Only the app's own origins may use the API and the event websocket with a login (CORS). The
# ports are final only after rxconfig.py ran, and rx.App reloads the config, reading REFLEX_*
# variables: set Reflex's for that moment only (child processes compute their own).
_config, _settings = rx.config.get_config(), get_settings()
_own = origins.own_origins([_config.deploy_url, _config.api_url, _settings.app_api_url], _settings.app_extra_origins)
_before = os.environ.get("REFLEX_CORS_ALLOWED_ORIGINS")
os.environ["REFLEX_CORS_ALLOWED_ORIGINS"] = ",".join(_own)
try:
    app = rx.App(api_transformer=api)
finally:
    if _before is None:
        os.environ.pop("REFLEX_CORS_ALLOWED_ORIGINS", None)
    else:
        os.environ["REFLEX_CORS_ALLOWED_ORIGINS"] = _before
origins.configure(rx.config.get_config().cors_allowed_origins)
configure_proxy_hops(rx.config.get_config().trusted_proxy_hops)

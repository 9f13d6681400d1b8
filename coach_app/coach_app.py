"""The Reflex app: theme, HTTP routes and page registration only."""

import reflex as rx

from coach_app import pages  # noqa: F401  (registers every @rx.page)
from coach_app.api import api

app = rx.App(api_transformer=api)

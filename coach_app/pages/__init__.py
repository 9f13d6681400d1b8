"""One module per page; importing a module registers its page(s) with @rx.page."""

from coach_app.pages import home  # noqa: F401
from coach_app.pages import login  # noqa: F401
from coach_app.pages import call  # noqa: F401
from coach_app.pages import scenarios  # noqa: F401
from coach_app.pages import scenario  # noqa: F401
from coach_app.pages import tokens  # noqa: F401
from coach_app.pages import feedback  # noqa: F401
from coach_app.pages import sessions  # noqa: F401
from coach_app.pages import review  # noqa: F401
from coach_app.pages import review_trainee  # noqa: F401

"""One module per page; importing a module registers its page(s) with @rx.page."""

from coach_app.pages import (
    assignments,  # noqa: F401
    call,  # noqa: F401
    feedback,  # noqa: F401
    home,  # noqa: F401
    login,  # noqa: F401
    review,  # noqa: F401
    review_trainee,  # noqa: F401
    scenario,  # noqa: F401
    scenario_editor,  # noqa: F401
    scenarios,  # noqa: F401
    sessions,  # noqa: F401
    tokens,  # noqa: F401
)

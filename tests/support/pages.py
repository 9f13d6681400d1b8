"""The app's registered page routes (read from Reflex's registry after importing the app)."""

from __future__ import annotations


def registered_pages() -> dict[str, list]:
    """route -> list of on_load event handlers (names), for every @rx.page of coach_app."""
    from reflex_base.registry import RegistrationContext

    import coach_app.coach_app  # noqa: F401  (registers the pages)

    pages = RegistrationContext.ensure_context().decorated_pages
    entries = pages.get("coach_app", []) if isinstance(pages, dict) else pages
    out: dict[str, list] = {}
    for _fn, kwargs in entries:
        on_load = kwargs.get("on_load") or []
        if not isinstance(on_load, (list, tuple)):
            on_load = [on_load]
        out[kwargs["route"]] = [getattr(h, "fn", h).__qualname__ for h in on_load]
    return out


def fill_route(route: str, values: dict[str, str]) -> str:
    """'/call/[session_id]' -> '/call/7' using `values` (unknown params -> '1')."""
    parts = []
    for part in route.split("/"):
        if part.startswith("[") and part.endswith("]"):
            name = part.strip("[]").lstrip(".")
            parts.append(values.get(name, "1"))
        else:
            parts.append(part)
    return "/".join(parts) or "/"

"""Send arbitrary Reflex events from a real browser page, the way a tampered client could.

`EventTap(page)` must be created before the page opens its websocket. It relays every frame
between the page and the server (recording what the browser receives) and can inject extra
events into the page's own, authenticated connection.
"""

from __future__ import annotations

import json
import re
import time


class EventTap:
    def __init__(self, page):
        self.page = page
        self.server = None
        self.prefix = "42"
        self.received: list[str] = []
        page.route_web_socket(re.compile(r".*/_event.*"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        self.server = server

        def from_page(message):
            if isinstance(message, str) and message.startswith("40"):
                # socket.io CONNECT: "40" or "40/<namespace>,{...}" -> events use the same namespace
                ns = message[2:].split(",", 1)[0] if message[2:3] == "/" else ""
                self.prefix = "42" + (ns + "," if ns else "")
            server.send(message)

        def from_server(message):
            self.received.append(message if isinstance(message, str) else message.decode("utf-8", "replace"))
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    def received_text(self) -> str:
        return "\n".join(self.received)

    def send(self, state_cls, handler: str, payload: dict, path: str) -> None:
        """Inject `state_cls.handler(**payload)` as if the page at `path` had sent it."""
        assert self.server is not None, "the page has no event websocket yet"
        event = {
            "name": f"{state_cls.get_full_name()}.{handler}",
            "payload": payload,
            "router_data": {"pathname": path, "asPath": path},
        }
        self.server.send(self.prefix + json.dumps(["event", event]))

    def send_and_settle(self, state_cls, handler: str, payload: dict, path: str, timeout: float = 15) -> None:
        """Inject, then wait until the server has processed it.

        Events of one tab are processed in order, so a marker event sent afterwards whose delta
        we can recognise tells us the injected one is done (background tasks may still run).
        (`setvar` is no help: Reflex 0.10 has no automatic setters.)
        """
        from coach_app.state.tokens import TokensState

        self.send(state_cls, handler, payload, path)
        self._n = getattr(self, "_n", 0) + 1
        marker = f"settle-marker-{self._n}-{time.monotonic_ns()}"
        before = len(self.received)
        # Needs a logged-in tab: answers with an error naming the (non-existent) token id.
        self.send(TokensState, "revoke", {"token_id": marker}, path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(marker in m for m in self.received[before:]):
                return
            self.page.wait_for_timeout(100)
        raise TimeoutError(f"no answer to {handler} within {timeout}s")

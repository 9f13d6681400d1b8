"""`coach dev` (what `make dev` runs) serves the app on loopback unless asked for another address."""

import argparse

from coach_app.commands import dev


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    dev.register(parser.add_subparsers())
    return parser.parse_args(["dev", *argv])


def _backend_host(cmd: list[str]) -> str:
    return cmd[cmd.index("--backend-host") + 1]


def test_the_app_listens_on_loopback_by_default():
    assert _backend_host(dev.reflex_command(_args())) == "127.0.0.1"
    assert _backend_host(dev.reflex_command(_args("--prod"))) == "127.0.0.1"


def test_another_address_only_when_asked():
    assert _backend_host(dev.reflex_command(_args("--host", "0.0.0.0"))) == "0.0.0.0"

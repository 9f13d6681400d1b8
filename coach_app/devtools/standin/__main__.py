"""`python -m coach_app.devtools.standin`: run the provider stand-in by hand (see the package docstring)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from coach_app.devtools import standin as package
from coach_app.devtools.standin.script import GROQ_LIKE, LATENCY_FIELDS, Script
from coach_app.devtools.standin.server import ProviderStandin


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m coach_app.devtools.standin", description=(package.__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--transcript",
        action="append",
        default=[],
        help="text the next speech segment is transcribed as (repeatable, in order)",
    )
    parser.add_argument(
        "--default-transcript",
        default="Hello, I'm calling about your account.",
        help="transcript once the scripted ones are used up",
    )
    parser.add_argument("--reply", action="append", default=[], help="persona reply for user turn 1, 2, ...")
    parser.add_argument(
        "--voice",
        choices=["flite", "tone"],
        default="flite",
        help="tone: a beep as long as the speech would be (costs the stand-in no CPU)",
    )
    parser.add_argument(
        "--groq-like",
        action="store_true",
        help="cloud-like latencies: " + ", ".join(f"{k}={v}" for k, v in GROQ_LIKE.items()),
    )
    for name in LATENCY_FIELDS:
        parser.add_argument(
            "--" + name.replace("_", "-"), type=int, metavar="MS", help=f"{name} (overrides --groq-like; default 0)"
        )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    latency = dict(GROQ_LIKE) if args.groq_like else {}
    latency.update({k: getattr(args, k) for k in LATENCY_FIELDS if getattr(args, k) is not None})
    script = Script(
        transcripts=args.transcript,
        default_transcript=args.default_transcript,
        replies=args.reply,
        voice=args.voice,
        **latency,
    )
    standin = ProviderStandin(script, host=args.host, port=args.port)

    async def serve() -> None:
        await standin.start()
        print("Provider stand-in running. Point the agent at it with:")
        for k, v in standin.env().items():
            print(f"  {k}={v}")
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()

"""A real livekit-server (the binary `make` builds) on loopback, on free ports."""

from __future__ import annotations

import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.procs import REPO, Proc, free_port, wait_for

API_KEY = "devkey"
API_SECRET = "secret"


def livekit_binary() -> str:
    local = REPO / "bin" / "livekit-server"
    if local.exists():
        return str(local)
    found = shutil.which("livekit-server")
    if not found:
        raise RuntimeError("livekit-server not built: run `make livekit` (make test does it)")
    return found


@dataclass
class LiveKit:
    url: str
    http_url: str
    api_key: str
    api_secret: str
    proc: Proc


def start_livekit(log_dir: Path) -> LiveKit:
    port, tcp_port, udp_start = free_port(), free_port(), 0
    udp_start = 52000 + (port % 500) * 10
    config = log_dir / "livekit.yaml"
    config.write_text(
        f"""port: {port}
bind_addresses: ["127.0.0.1"]
rtc:
  tcp_port: {tcp_port}
  port_range_start: {udp_start}
  port_range_end: {udp_start + 9}
  use_external_ip: false
  node_ip: 127.0.0.1
logging:
  level: info
"""
    )
    proc = Proc(
        "livekit", [livekit_binary(), "--dev", "--config", str(config)], env={"PATH": "/usr/bin:/bin"}, log_dir=log_dir
    )
    http_url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        with urllib.request.urlopen(http_url, timeout=1) as r:
            return r.status == 200

    wait_for(up, 20, "livekit-server to answer", proc)
    return LiveKit(f"ws://127.0.0.1:{port}", http_url, API_KEY, API_SECRET, proc)

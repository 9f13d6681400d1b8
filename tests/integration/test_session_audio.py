"""GET /api/sessions/{id}/audio: the call's recording, seekable (HTTP range requests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from coach_app.auth.tokens import create_api_token
from coach_app.calls.recordings import keep_recording, recording_path
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus
from coach_app.settings import get_settings
from tests.support.auth import make_user
from tests.support.ogg import write_stereo_ogg
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"


@pytest.fixture
def recorded(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A completed session with a 3-second recording; its owner's API headers; the file's bytes."""
    use_personas(tmp_path, monkeypatch, PERSONA)
    monkeypatch.setenv("RECORDINGS_DIR", str(tmp_path / "recordings"))
    get_settings.cache_clear()
    from coach_app.api.routes import api

    owner = make_user(fresh_db, "rita-rec")
    with Session(make_engine(fresh_db), expire_on_commit=False) as db:
        _, token = create_api_token(db, owner, "test")
        ps = PracticeSession(user_id=owner.id, persona_id=PERSONA, status=SessionStatus.completed)
        db.add(ps)
        db.commit()
        kept = keep_recording(db, get_settings(), ps.id, write_stereo_ogg(tmp_path / "audio.ogg", 3.0), offset=0.5)
    with TestClient(api) as client:
        yield client, {"Authorization": f"Bearer {token}"}, ps.id, kept.read_bytes()
    get_settings.cache_clear()


def test_the_whole_recording_is_ogg_and_says_it_can_seek(recorded):
    client, headers, sid, data = recorded
    r = client.get(f"/api/sessions/{sid}/audio", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/ogg"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.content == data and data[:4] == b"OggS"


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, None), ("bytes=-500", -500, None)],
)
def test_a_range_request_gets_206_with_exactly_those_bytes(recorded, header, first, last):
    client, headers, sid, data = recorded
    r = client.get(f"/api/sessions/{sid}/audio", headers={**headers, "Range": header})
    assert r.status_code == 206
    start = first if first >= 0 else len(data) + first
    end = last if last is not None else len(data) - 1
    assert r.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
    assert r.content == data[start : end + 1]
    assert int(r.headers["content-length"]) == end - start + 1


def test_a_range_past_the_end_is_416(recorded):
    client, headers, sid, data = recorded
    r = client.get(f"/api/sessions/{sid}/audio", headers={**headers, "Range": f"bytes={len(data) + 10}-"})
    assert r.status_code == 416


def test_no_recording_or_a_deleted_file_is_404(recorded, fresh_db):
    client, headers, sid, _ = recorded
    with Session(make_engine(fresh_db)) as db:
        ps = db.get(PracticeSession, sid)
        recording_path(get_settings(), ps).unlink()
    r = client.get(f"/api/sessions/{sid}/audio", headers=headers)
    assert r.status_code == 404 and "no recording" in r.json()["error"]

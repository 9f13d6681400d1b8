"""Access matrix for every page and for the event handlers that act on a session, in Chromium.

Identities: anonymous, trainee A, trainee B (another team), the manager of A's team, another team's
manager, an admin. Three kinds of check:

1. Page matrix: each registered page x each identity -> the page, the login redirect, /forbidden,
   or the page's own "not yours / not found" message (`PAGES`). A page added to the app without a
   row here fails `test_every_page_is_in_the_matrix`.
2. Privacy: people who may not see trainee A's work never receive A's name or words, neither in the
   HTML nor in any websocket frame, on any page.
3. Handlers: a tampered client can send any event to any handler. `HANDLER_ATTACKS` injects events
   (including `setvar` of the session id) into the real, logged-in connection of people who must
   not act on A's sessions, and checks the database did not change; `RIGHTFUL` shows the same
   injection does work for the people who may.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from coach_app.calls import start as practice
from coach_app.db import make_engine
from coach_app.feedback.evaluate import evaluate_session_sync
from coach_app.models import Feedback, PracticeSession, ReviewAction, SessionStatus, Speaker, Turn, utcnow
from coach_app.personas.catalogue import get_catalogue
from tests.support.auth import login, make_user
from tests.support.pages import fill_route, registered_pages
from tests.support.reflex_events import EventTap

pytestmark = pytest.mark.e2e

WHO = ["anonymous", "trainee_a", "trainee_b", "manager_a", "manager_b", "admin"]
PEOPLE = {  # key: (username, role, team, display name)
    "trainee_a": ("pm-alice", "trainee", "pm-blue", "Alice Privatename"),
    "trainee_b": ("pm-bob", "trainee", "pm-green", "Bob Other"),
    "manager_a": ("pm-mara", "manager", "pm-blue", "Mara Manager"),
    "manager_b": ("pm-moe", "manager", "pm-green", "Moe Manager"),
    "admin": ("pm-root", "admin", None, "Ada Admin"),
}
PASSWORD = "page-matrix-pass"
A_NAME = "Alice Privatename"
A_PHRASE = "my account number is PRIVATE-7731"
MAY_SEE_A = {"trainee_a", "manager_a", "admin"}


def _row(anonymous, trainee_a, trainee_b, manager_a, manager_b, admin):
    return dict(zip(WHO, (anonymous, trainee_a, trainee_b, manager_a, manager_b, admin), strict=True))


def ok(selector):
    return ("ok", selector)


def denied(selector):
    return ("denied", selector)


LOGIN = ("login",)
FORBIDDEN = ("forbidden",)
HOME = ok("#product-name")

# route -> (values for its parameters, expected outcome per identity).
# Parameters: {a_live} trainee A's open session, {a_done} A's finished one, {a_id} A's user id.
PAGES = {
    "/": ({}, _row(HOME, HOME, HOME, HOME, HOME, HOME)),
    "/login": ({}, _row(ok("#login-username"), HOME, HOME, HOME, HOME, HOME)),
    "/logout": ({}, _row(*[ok("#logout-confirm")] * 6)),
    "/forbidden": ({}, _row(*[ok("#forbidden")] * 6)),
    "/account/tokens": ({}, _row(LOGIN, *[ok("#token-table")] * 5)),
    "/scenarios": ({}, _row(LOGIN, *[ok("#scenario-grid")] * 5)),
    "/scenarios/[persona_id]": ({"persona_id": "{persona}"}, _row(LOGIN, *[ok("#start-call")] * 5)),
    # Only the trainee may join their own call; nobody else, not even their manager or an admin.
    "/call/[session_id]": (
        {"session_id": "{a_live}"},
        _row(
            LOGIN,
            ok("#call-persona"),
            denied("#call-unavailable"),
            denied("#call-unavailable"),
            denied("#call-unavailable"),
            denied("#call-unavailable"),
        ),
    ),
    "/sessions": ({}, _row(LOGIN, *[ok("#my-sessions-title")] * 5)),
    "/sessions/[session_id]/feedback": (
        {"session_id": "{a_done}"},
        _row(
            LOGIN,
            ok("#feedback-title"),
            denied("#page-error"),
            ok("#manager-tools"),
            denied("#page-error"),
            ok("#manager-tools"),
        ),
    ),
    "/review": ({}, _row(LOGIN, FORBIDDEN, FORBIDDEN, ok("#review-title"), ok("#review-title"), ok("#review-title"))),
    # Scenario authoring and assignments: managers and admins only.
    "/manage/scenarios": ({}, _row(LOGIN, FORBIDDEN, FORBIDDEN, *[ok("#manage-scenarios-title")] * 3)),
    "/manage/scenarios/[slug]": ({"slug": "new"}, _row(LOGIN, FORBIDDEN, FORBIDDEN, *[ok("#save-scenario")] * 3)),
    "/manage/assignments": ({}, _row(LOGIN, FORBIDDEN, FORBIDDEN, *[ok("#assignments-title")] * 3)),
    "/manage/assignments/[assignment_id]": (
        {"assignment_id": "999999"},
        _row(LOGIN, FORBIDDEN, FORBIDDEN, *[denied("#page-error")] * 3),
    ),
    "/review/trainees/[user_id]": (
        {"user_id": "{a_id}"},
        _row(LOGIN, FORBIDDEN, FORBIDDEN, ok("#trainee-name"), denied("#page-error"), ok("#trainee-name")),
    ),
}


def _engine(db_url):
    return make_engine(db_url)


@pytest.fixture(scope="module")
def world(db_url):
    users = {k: make_user(db_url, u, role, team, PASSWORD, display) for k, (u, role, team, display) in PEOPLE.items()}
    persona_id = sorted(get_catalogue().personas)[0]
    ids = {"persona": persona_id, "a_id": str(users["trainee_a"].id), "b_id": str(users["trainee_b"].id)}
    with Session(_engine(db_url), expire_on_commit=False) as db:

        def new(owner: str, status: SessionStatus, key: str, words: str | None = None) -> None:
            ps = practice.start_session(db, users[owner], persona_id)
            ps.status = status
            if status != SessionStatus.created:
                ps.started_at = utcnow() - timedelta(minutes=3)
            if status == SessionStatus.completed:
                ps.ended_at = utcnow() - timedelta(minutes=1)
            db.add(ps)
            if words:
                db.add(
                    Turn(
                        session_id=ps.id,
                        seq=0,
                        speaker=Speaker.persona,
                        text="How can I help you today?",
                        start=0.0,
                        end=2.0,
                    )
                )
                db.add(Turn(session_id=ps.id, seq=1, speaker=Speaker.trainee, text=words, start=2.5, end=5.0))
            db.commit()
            ids[key] = str(ps.id)

        new("trainee_a", SessionStatus.completed, "a_done", A_PHRASE)
        new("trainee_a", SessionStatus.created, "a_live")
        new("trainee_a", SessionStatus.created, "a_live2")
        new("trainee_b", SessionStatus.completed, "b_done", "Hello, I would like to help with your bill.")
        new("trainee_b", SessionStatus.created, "b_live")
        new("manager_a", SessionStatus.completed, "m_done", "A manager practising too.")  # for admins only
        new("trainee_a", SessionStatus.completed, "a_unevaluated", "Nobody has evaluated this yet.")
    for key in ("a_done", "b_done", "m_done"):
        evaluate_session_sync(int(ids[key]))  # analytics-only (no LLM in tests): a finished feedback page
    return ids


def _url(base, route, ids):
    params, _ = PAGES[route]
    return base + fill_route(route, {k: v.format(**ids) for k, v in params.items()})


def _check_outcome(page, route, who, expected):
    kind = expected[0]
    where = f"{route} as {who}"
    if kind == "login":
        page.wait_for_url(lambda u: "/login?next=" in u, wait_until="commit")
        page.locator("#login-username").wait_for(state="visible")
    elif kind == "forbidden":
        page.wait_for_url(lambda u: "/forbidden" in u, wait_until="commit")
        page.locator("#forbidden").wait_for(state="visible")
    else:
        page.locator(expected[1]).first.wait_for(state="visible")
        assert "/login" not in page.url or route == "/login", where
        assert "/forbidden" not in page.url or route == "/forbidden", where


def _session_for(browser, base, who):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    tap = EventTap(page)
    if who != "anonymous":
        login(page, base, PEOPLE[who][0], PASSWORD)
    return context, page, tap


def test_every_page_is_in_the_matrix():
    assert set(registered_pages()) - set(PAGES) == set(), "pages without an access-matrix row"


@pytest.mark.parametrize("who", WHO)
def test_page_matrix_and_privacy(app_server, world, browser, who):
    context, page, tap = _session_for(browser, app_server, who)
    try:
        failures, htmls = [], []
        for route in sorted(set(PAGES) & set(registered_pages())):
            _, expected = PAGES[route]
            page.goto(_url(app_server, route, world))
            try:
                _check_outcome(page, route, who, expected[who])
            except Exception as exc:  # noqa: BLE001 - collect every mismatch, report them together
                failures.append(f"{route} as {who}: expected {expected[who]}, got {page.url}: {str(exc)[:160]}")
            if route == "/sessions/[session_id]/feedback" and who in MAY_SEE_A:
                page.get_by_text(A_PHRASE).first.wait_for(state="visible")  # positive control for the scan
            htmls.append((route, page.content()))
        assert failures == []
        if who not in MAY_SEE_A:
            seen = tap.received_text()
            assert A_PHRASE not in seen and A_NAME not in seen
            for route, html in htmls:
                assert A_PHRASE not in html and A_NAME not in html, route
        else:
            assert A_PHRASE in tap.received_text()
    finally:
        context.close()


# --- handlers -----------------------------------------------------------------------------------


def _call_state():
    from coach_app.state.call import CallState

    return CallState


def _feedback_state():
    from coach_app.state.feedback import FeedbackState

    return FeedbackState


def _review_states():
    from coach_app.state.review import ReviewState, TraineeReviewState

    return ReviewState, TraineeReviewState


def _snapshot(db_url, ids):
    with Session(_engine(db_url)) as db:

        def status(key):
            return db.get(PracticeSession, int(ids[key])).status.value

        def count(model, key):
            return db.exec(select(func.count()).select_from(model).where(model.session_id == int(ids[key]))).one()

        return {
            "a_live": status("a_live"),
            "a_done_actions": count(ReviewAction, "a_done"),
            "a_done_feedback": count(Feedback, "a_done"),
            "m_done_actions": count(ReviewAction, "m_done"),
            "m_done_feedback": count(Feedback, "m_done"),
        }


def _attacks():
    call, fb = _call_state(), _feedback_state()
    review, trainee_review = _review_states()
    end = (call, "on_ended", {"result": {"rpc": "unreachable"}})
    comment = [(fb, "set_comment_draft", {"value": "injected comment"}), (fb, "submit_comment", {})]
    override = [
        (fb, "set_override_draft", {"value": "100"}),
        (fb, "set_override_reason", {"value": "injected"}),
        (fb, "submit_override", {}),
    ]
    return [
        # (what, who tries, page, events)
        ("end another trainee's call", ["trainee_b", "manager_a", "manager_b", "admin"], "/call/{a_live}", [end]),
        (
            "get a room token for A's call with Retry",
            ["trainee_b", "manager_a", "admin"],
            "/call/{a_live}",
            [(call, "retry", {})],
        ),
        (
            "end A's call from my own call page with a tampered session id",
            ["trainee_b"],
            "/call/{b_live}",
            [(call, "setvar", {"var_name": "session_id", "value": "{a_live}"}), end],
        ),
        ("comment on A's session", ["trainee_a", "trainee_b", "manager_b"], "/sessions/{a_done}/feedback", comment),
        ("override A's score", ["trainee_a", "trainee_b", "manager_b"], "/sessions/{a_done}/feedback", override),
        (
            "re-run A's evaluation",
            ["trainee_a", "trainee_b", "manager_b"],
            "/sessions/{a_done}/feedback",
            [(fb, "rerun", {})],
        ),
        (
            "comment on A's session via a tampered session id",
            ["trainee_b", "manager_b"],
            "/sessions/{b_done}/feedback",
            [(fb, "setvar", {"var_name": "session_id", "value": "{a_done}"}), *comment, *override],
        ),
        (
            "list A's sessions via a tampered trainee id",
            ["manager_b"],
            "/review/trainees/{b_id}",
            [
                (trainee_review, "setvar", {"var_name": "trainee_id", "value": "{a_id}"}),
                (trainee_review, "go_page", {"delta": 0}),
            ],
        ),
        ("export the review table as a trainee", ["trainee_b"], "/review", [(review, "export_csv", {})]),
        # A manager's sessions are for admins: not the manager themself, not a peer, not a trainee.
        (
            "comment on, override and re-run a manager's own session",
            ["manager_a", "manager_b", "trainee_a"],
            "/sessions/{m_done}/feedback",
            [*comment, *override, (fb, "rerun", {})],
        ),
    ]


def _token_rooms(frames: str) -> set[str]:
    """Rooms of every LiveKit token (a JWT in the call state's `token`) found in websocket frames."""
    rooms = set()
    for jwt in re.findall(r'"token_rx_state_":\s*"(ey[A-Za-z0-9_.-]+)"', frames):
        body = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        rooms.add(claims.get("video", {}).get("room", ""))
    return rooms


def _rooms_of(db_url, ids, *keys) -> set[str]:
    with Session(_engine(db_url)) as db:
        return {db.get(PracticeSession, int(ids[k])).room_name for k in keys}


def _inject(tap, page, path, events, ids):
    for state_cls, handler, payload in events:
        payload = {
            k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v) for k, v in payload.items()
        }
        tap.send_and_settle(state_cls, handler, payload, path)


def _attack_cases():
    try:
        return [(what, who) for what, whos, _, _ in _attacks() for who in whos]
    except ImportError:  # a state module is missing: the matrix test above reports the page
        return []


@pytest.mark.parametrize(("what", "who"), _attack_cases())
def test_handlers_refuse_people_without_access(app_server, db_url, world, browser, what, who):
    _, _, path_template, events = next(a for a in _attacks() if a[0] == what)
    path = path_template.format(**world)
    context, page, tap = _session_for(browser, app_server, who)
    try:
        page.goto(app_server + path)
        page.locator("#account-name").wait_for()
        page.wait_for_function("() => document.readyState === 'complete'")
        before = _snapshot(db_url, world)
        _inject(tap, page, path, events, world)
        page.wait_for_timeout(1500)  # background handlers (re-run) get time to act if they wrongly would
        assert _snapshot(db_url, world) == before, what
        seen = tap.received_text()
        if who not in MAY_SEE_A:
            assert A_PHRASE not in seen and A_NAME not in seen, what
        assert "coach-sessions.csv" not in seen, what
        a_rooms = _rooms_of(db_url, world, "a_live", "a_live2", "a_done")
        assert not (_token_rooms(seen) & a_rooms), f"{what}: a LiveKit token for A's room reached the browser"
    finally:
        context.close()


def test_the_same_injected_events_work_for_people_with_access(app_server, db_url, world, browser):
    """Positive control: the injection reaches the handlers (so the refusals above are real)."""
    call, fb = _call_state(), _feedback_state()
    context, page, tap = _session_for(browser, app_server, "manager_a")
    try:
        path = f"/sessions/{world['a_done']}/feedback"
        page.goto(app_server + path)
        page.locator("#manager-tools").wait_for()
        _inject(
            tap, page, path, [(fb, "set_comment_draft", {"value": "well handled"}), (fb, "submit_comment", {})], world
        )
        with Session(_engine(db_url)) as db:
            comments = db.exec(select(ReviewAction).where(ReviewAction.session_id == int(world["a_done"]))).all()
        assert [c.comment for c in comments] == ["well handled"]
    finally:
        context.close()

    context, page, tap = _session_for(browser, app_server, "trainee_a")
    try:
        path = f"/call/{world['a_live2']}"
        page.goto(app_server + path)
        page.locator("#call-persona").wait_for()
        # The owner's page does get a room token (so the "no token" checks above look for the right thing).
        assert _token_rooms(tap.received_text()) == _rooms_of(db_url, world, "a_live2")
        _inject(tap, page, path, [(call, "on_ended", {"result": {"rpc": "unreachable"}})], world)
        with Session(_engine(db_url)) as db:
            assert db.get(PracticeSession, int(world["a_live2"])).status == SessionStatus.abandoned
    finally:
        context.close()


def _feedback_rows(db_url, session_id) -> int:
    with Session(_engine(db_url)) as db:
        return db.exec(select(func.count()).select_from(Feedback).where(Feedback.session_id == session_id)).one()


def _wait_socket(page, tap) -> None:
    page.wait_for_function("() => document.readyState === 'complete'")
    for _ in range(100):
        if tap.server is not None and tap.received:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page opened no event websocket")


def test_forged_watch_cannot_start_an_evaluation(app_server, db_url, world, browser):
    """`FeedbackState.watch` is a background handler that evaluates an ended, unevaluated session:
    a forged load + watch from an anonymous tab (or another trainee's) must not start one."""
    fb = _feedback_state()
    sid = int(world["a_unevaluated"])
    path = f"/sessions/{sid}/feedback"
    with Session(_engine(db_url)) as db:  # ended long enough ago for the page to evaluate it itself
        ps = db.get(PracticeSession, sid)
        ps.ended_at = utcnow() - timedelta(minutes=5)
        db.add(ps)
        db.commit()
    for who in ("anonymous", "trainee_b", "manager_b"):
        context, page, tap = _session_for(browser, app_server, who)
        try:
            page.goto(app_server + ("/login" if who == "anonymous" else "/"))
            _wait_socket(page, tap)
            tap.send(fb, "load", {}, path)
            tap.send(fb, "watch", {}, path)
            page.wait_for_timeout(4000)  # the watcher polls every second and would start the evaluation
            assert _feedback_rows(db_url, sid) == 0, who
        finally:
            context.close()

    # Positive control: the owner's own feedback page (the same load and watch handlers) starts it.
    context, page, tap = _session_for(browser, app_server, "trainee_a")
    try:
        page.goto(app_server + path)
        _wait_socket(page, tap)
        deadline = 60_000  # a loaded machine: the evaluation runs in the app process
        while _feedback_rows(db_url, sid) == 0 and deadline > 0:
            page.wait_for_timeout(500)
            deadline -= 500
        assert _feedback_rows(db_url, sid) >= 1
    finally:
        context.close()

"""The sessions table as CSV (the review page's export): the same rows, in table order. No Reflex here."""

from __future__ import annotations

import csv
import io
from typing import Any

from coach_app.feedback.score import score_text
from coach_app.review.table import SessionRow

CSV_COLUMNS = [
    "session_id",
    "trainee",
    "scenario",
    "persona",
    "date_utc",
    "duration_seconds",
    "score",
    "score_overridden",
    "machine_score",
    "pass_mark",
    "result",
    "status",
    "evaluation",
]


def _csv_cell(value: Any) -> Any:
    # Cells starting with = + - @ are formulas to spreadsheet programs: neutralise them.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def sessions_csv(rows: list[SessionRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(
            [
                _csv_cell(v)
                for v in (
                    r.session_id,
                    r.trainee,
                    r.scenario,
                    r.persona_name,
                    r.date,
                    "" if r.duration_seconds is None else round(r.duration_seconds),
                    "" if r.score is None else r.score_label,
                    "yes" if r.overridden else "no",
                    "" if r.machine_score is None else score_text(r.machine_score),
                    "" if r.pass_mark is None else score_text(r.pass_mark),
                    r.result,
                    r.status,
                    r.evaluation,
                )
            ]
        )
    return buf.getvalue()

"""`coach feedback analyze FILE.json`: speaking analytics (and the rubric result) for a transcript file.

The file:
    {"persona_id": "billing-dispute-gold",
     "turns": [{"speaker": "trainee" | "persona", "text": "...", "start": 0.0, "end": 4.2}, ...]}
`start`/`end` are seconds since the call started. The rubric is scored when an LLM is configured
(GROQ_API_KEY, GROQ_BASE_URL); otherwise only the analytics are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from pathlib import Path
from typing import Any

from coach_app.clock import duration_text

MAX_ERRORS_SHOWN = 10


class TranscriptFileError(ValueError):
    """What is wrong with a transcript file, in words a person can act on."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_transcript(path: Path) -> tuple[Any, list[dict[str, Any]]]:
    """(persona, turns) from a transcript file. Raises TranscriptFileError naming every problem."""
    from coach_app.personas.catalogue import get_catalogue

    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TranscriptFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptFileError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TranscriptFileError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise TranscriptFileError(f'{path}: the file must hold a JSON object with "persona_id" and "turns"')

    errors: list[str] = []
    persona = None
    persona_id = data.get("persona_id")
    if persona_id is None:
        errors.append('"persona_id" is missing')
    elif not isinstance(persona_id, str) or not persona_id.strip():
        errors.append('"persona_id" must be a non-empty string')
    else:
        catalogue = get_catalogue()
        persona = catalogue.personas.get(persona_id)
        if persona is None:
            known = ", ".join(sorted(catalogue.personas)) or "none"
            errors.append(f"\"persona_id\": no persona with id '{persona_id}' (known: {known})")

    turns_in = data.get("turns")
    turns: list[dict[str, Any]] = []
    if turns_in is None:
        errors.append('"turns" is missing')
    elif not isinstance(turns_in, list):
        errors.append('"turns" must be a list of turns')
    elif not turns_in:
        errors.append('"turns" is empty: there is nothing to analyse')
    else:
        for i, t in enumerate(turns_in):
            where = f"turns[{i}]"
            if not isinstance(t, dict):
                errors.append(f"{where} must be an object with speaker, text, start and end")
                continue
            missing = [k for k in ("speaker", "text", "start", "end") if k not in t]
            if missing:
                errors.append(f"{where} is missing {', '.join(repr(k) for k in missing)}")
                continue
            ok = True
            if t["speaker"] not in ("trainee", "persona"):
                errors.append(f'{where}.speaker is {json.dumps(t["speaker"])}: it must be "trainee" or "persona"')
                ok = False
            if not isinstance(t["text"], str):
                errors.append(f"{where}.text must be a string")
                ok = False
            for k in ("start", "end"):
                if not _is_number(t[k]):
                    errors.append(f"{where}.{k} must be a number of seconds, not {json.dumps(t[k])}")
                    ok = False
            if ok and t["start"] < 0:
                errors.append(f"{where}.start is {t['start']}: seconds since the call started cannot be negative")
                ok = False
            if ok and t["end"] < t["start"]:
                errors.append(f"{where}.end ({t['end']}) is before its start ({t['start']})")
                ok = False
            if ok:
                turns.append(
                    {
                        "seq": i,
                        "speaker": t["speaker"],
                        "text": t["text"],
                        "start": float(t["start"]),
                        "end": float(t["end"]),
                        "e2e_latency": t.get("e2e_latency") if _is_number(t.get("e2e_latency")) else None,
                    }
                )
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        if len(errors) == 1:
            raise TranscriptFileError(f"{path}: {errors[0]}")
        raise TranscriptFileError(f"{path} has {len(errors)} problems:\n  - " + "\n  - ".join(shown) + more)
    return persona, turns


def _num(v: float | None, fmt: str = "{:.1f}", none: str = "-") -> str:
    return none if v is None else fmt.format(v)


def format_analytics(a: dict[str, Any]) -> str:
    f = a["fillers"]
    mono = a["longest_monologue"]
    q = a["questions"]
    pace = "  ".join(f"{p['minute']}: {_num(p['wpm'])}" for p in a["pace"])
    fillers = ", ".join(f"{k} {v}" for k, v in f["counts"].items())
    rows = [
        (
            "Call length",
            f"{duration_text(a['call_seconds'])} "
            f"({a['turns']['trainee']} trainee turns, {a['turns']['persona']} persona turns)",
        ),
        ("Talk ratio (trainee)", _num(None if a["talk_ratio"] is None else a["talk_ratio"] * 100, "{:.1f} %")),
        ("Pace", f"{_num(a['wpm'])} words/min (persona {_num(a['persona_wpm'])})"),
        ("Pace by minute", pace or "-"),
        (
            "Filler words",
            f"{f['total']}" + (f" ({_num(f['per_100_words'])} per 100 words): {fillers}" if f["total"] else ""),
        ),
        (
            "Longest monologue",
            "-"
            if mono is None
            else f"{mono['seconds']:.1f} s ({mono['words']} words, "
            + (
                f"turn {mono['first_seq']})"
                if mono["first_seq"] == mono["last_seq"]
                else f"turns {mono['first_seq']}-{mono['last_seq']})"
            ),
        ),
        ("Questions", f"{q['total']} ({q['open']} open, {q['closed']} closed)"),
        ("Interruptions", str(a["interruptions"]["count"])),
        ("Avg response time", _num(a["response_time_avg"], "{:.2f} s")),
        (
            "Persona latency",
            _num(a["persona_latency_avg"], "{:.2f} s voice-to-voice", "no metrics")
            + f" (observed gap {_num(a['persona_gap_avg'], '{:.2f} s')})",
        ),
    ]
    return "\n".join(f"{k:<22}{v}" for k, v in rows)


def format_rubric(result: Any) -> str:
    lines = [f"Rubric (judge {result.model}, prompt {result.prompt_version})"]
    for o in result.objectives:
        lines.append(f"  {o.id} (weight {o.weight:g}): {o.score:g}  {o.rationale}")
        for qt in o.quotes:
            lines.append(f'      "{qt["text"]}"  [turn {qt["seq"]}]')
        for qt in o.invented_quotes:
            lines.append(f'      not in the transcript, removed: "{qt}"')
    verdict = "PASSED" if result.passed else "NOT PASSED"
    lines.append(f"Overall {result.overall_score:g} (pass mark {result.pass_mark:g}): {verdict}")
    return "\n".join(lines)


def _analyze(args: argparse.Namespace) -> int:
    from coach_app.feedback.analytics import compute_analytics, turn_data
    from coach_app.feedback.evaluate import NO_LLM_REASON
    from coach_app.feedback.judge import JudgeError, judge_config, judge_transcript
    from coach_app.feedback.lexicon import base_language
    from coach_app.settings import get_settings

    try:
        persona, turns = load_transcript(Path(args.file))
    except TranscriptFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = get_settings()
    ts = turn_data(turns)
    analytics = compute_analytics(
        ts, persona.language, settings.feedback_filler_words.get(base_language(persona.language))
    )
    config = None if args.no_judge else judge_config(settings)
    result, judge_error = None, None
    if config is not None:
        try:
            result = asyncio.run(
                judge_transcript(
                    config, persona.model_dump(mode="json"), persona.rubric(), ts, float(persona.pass_mark)
                )
            )
        except JudgeError as exc:
            judge_error = str(exc)

    if args.json:
        out: dict[str, Any] = {"persona_id": persona.id, "analytics": analytics}
        if result is not None:
            out["rubric"] = {
                "objectives": [o.as_dict() for o in result.objectives],
                "overall_score": result.overall_score,
                "pass_mark": result.pass_mark,
                "passed": result.passed,
                "judge_model": result.model,
                "prompt_version": result.prompt_version,
            }
        elif judge_error:
            out["rubric_error"] = judge_error
        elif not args.no_judge:
            out["rubric_note"] = NO_LLM_REASON + "."
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(f"{persona.name} - {persona.scenario.name} ({persona.language})")
        print(format_analytics(analytics))
        print()
        if result is not None:
            print(format_rubric(result))
        elif judge_error:
            print(f"Rubric: not scored: {judge_error}")
        elif not args.no_judge:
            print(f"Rubric: not scored. {NO_LLM_REASON}.")
    if judge_error:
        print(f"error: rubric scoring failed: {judge_error}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feedback", help="speaking analytics and rubric scoring")
    fsub = p.add_subparsers(dest="feedback_command", required=True, metavar="SUBCOMMAND")
    a = fsub.add_parser(
        "analyze",
        help="print the analytics (and rubric result when an LLM is configured) for a transcript JSON file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument(
        "file", metavar="FILE.json", help='{"persona_id": ..., "turns": [{"speaker", "text", "start", "end"}, ...]}'
    )
    a.add_argument("--json", action="store_true", help="print JSON instead of text")
    a.add_argument("--no-judge", action="store_true", help="analytics only, even when an LLM is configured")
    a.set_defaults(func=_analyze)

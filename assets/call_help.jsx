/*
 * The customer's mood meter and the Hint / Repeat buttons on the call page (issue 17).
 * Rendered inside <CoachRoom> (they read the room from React context):
 *   MoodMeter: the agent's `coach.mood` participant attribute ({anger, trust, progress, phase},
 *     1-10), published by the agent when it joins and after each trainee turn, in practice calls
 *     only: without it (an assessment, or no agent yet) nothing is shown.
 *   HelpButtons: Hint (practice calls: shown with the mood) asks the agent for one short
 *     suggestion (RPC, the answer is the hint, shown under the buttons); Repeat makes the persona
 *     say its last line again. The agent records both; only the session's trainee may call them.
 */
import React, { useState } from "react";
import { useLocalParticipant, useVoiceAssistant } from "@livekit/components-react";

// Must match coach_app/calls/rooms.py MOOD_ATTRIBUTE, HINT_RPC and REPEAT_RPC.
const MOOD_ATTRIBUTE = "coach.mood";
const HINT_RPC = "coach.hint";
const REPEAT_RPC = "coach.repeat";
const HELP_TIMEOUT_MS = 15000;
const LEVELS = [
  ["anger", "Anger", "var(--red-9)"],
  ["trust", "Trust", "var(--green-9)"],
  ["progress", "Progress", "var(--blue-9)"],
];
const PHASES = {
  opening: "Opening",
  escalated: "Escalating",
  calming: "Calming down",
  resolved: "Resolved",
  walking_away: "Walking away",
};

function readMood(attributes) {
  try {
    const mood = JSON.parse(attributes?.[MOOD_ATTRIBUTE] || "null");
    return mood && typeof mood === "object" ? mood : null;
  } catch (err) {
    return null;
  }
}

export function MoodMeter(props) {
  const { agentAttributes } = useVoiceAssistant();
  const mood = readMood(agentAttributes);
  if (!mood) return null;
  return (
    <div id="mood-meter" data-phase={mood?.phase ?? ""} {...props}>
      <div style={{ display: "flex", justifyContent: "space-between", fontSize: "var(--font-size-2)" }}>
        <strong>Customer mood</strong>
        <span id="mood-phase" style={{ color: "var(--gray-11)" }}>{PHASES[mood.phase] ?? mood.phase}</span>
      </div>
      {LEVELS.map(([key, label, color]) => {
        const value = Number(mood[key]) || 0;
        return (
          <div key={key} data-level={key} data-value={value}
            style={{ display: "grid", gridTemplateColumns: "5.5em 1fr 2.5em", alignItems: "center", gap: "8px",
              fontSize: "var(--font-size-1)", marginTop: "6px" }}>
            <span>{label}</span>
            <div role="meter" aria-label={label} aria-valuemin={1} aria-valuemax={10} aria-valuenow={value}
              style={{ height: "8px", borderRadius: "4px", background: "var(--gray-a4)", overflow: "hidden" }}>
              <div style={{ width: `${value * 10}%`, height: "100%", background: color, transition: "width 300ms" }} />
            </div>
            <span style={{ textAlign: "right", fontVariantNumeric: "tabular-nums" }}>{`${value}/10`}</span>
          </div>
        );
      })}
    </div>
  );
}

const BUTTON = "rt-reset rt-BaseButton rt-r-size-2 rt-variant-soft rt-Button";

export function HelpButtons(props) {
  const { agent, agentAttributes } = useVoiceAssistant();
  const showHint = readMood(agentAttributes) !== null;
  const { localParticipant } = useLocalParticipant();
  const [hint, setHint] = useState("");
  const [busy, setBusy] = useState("");
  const [error, setError] = useState("");

  async function ask(method) {
    if (!agent || busy) return "";
    setBusy(method);
    setError("");
    try {
      return await localParticipant.performRpc({
        destinationIdentity: agent.identity,
        method,
        payload: "",
        responseTimeout: HELP_TIMEOUT_MS,
      });
    } catch (err) {
      setError(`Could not get that: ${err?.message || err}`);
      return "";
    } finally {
      setBusy("");
    }
  }

  return (
    <div id="call-help" {...props}>
      <div style={{ display: "flex", gap: "8px", flexWrap: "wrap" }}>
        {showHint && (
          <button id="hint-button" className={BUTTON} disabled={!agent || Boolean(busy)}
            onClick={async () => { const text = await ask(HINT_RPC); if (text) setHint(text); }}>
            {busy === HINT_RPC ? "Thinking…" : "Hint"}
          </button>
        )}
        <button id="repeat-button" className={BUTTON} disabled={!agent || Boolean(busy)}
          onClick={() => ask(REPEAT_RPC)}>
          Repeat
        </button>
      </div>
      {hint && (
        <p id="hint-text" style={{ margin: "8px 0 0", fontSize: "var(--font-size-2)" }}>
          <strong>Hint:</strong> {hint}
        </p>
      )}
      {error && <p id="help-error" style={{ margin: "8px 0 0", color: "var(--red-11)" }}>{error}</p>}
    </div>
  );
}

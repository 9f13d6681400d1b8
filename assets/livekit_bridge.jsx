/*
 * Coach <-> LiveKit bridge for the call page.
 *
 * A thin layer over @livekit/components-react (no hand-rolled WebRTC): it joins a livekit-client
 * Room and provides it as the RoomContext (as <LiveKitRoom> does, but the room outlives a remount
 * of the call view: see useKeptRoom), plays the persona with <RoomAudioRenderer>, and turns the
 * hooks' state into Reflex events:
 *   onStateChange({connection, agentState, agentJoined, agentIdentity, micEnabled})
 *   onTranscript([{id, speaker: "trainee"|"persona", text, final}])   changed lines only
 *   onError({kind: "microphone"|"agent_timeout"|"connection", message})
 *   onDisconnected({reason, intentional})
 *   onMessageSent({id, text, ok, error})
 *   onEnded({rpc})                                                   after End call finished
 * Reflex drives it with props: serverUrl, token (kept once given: the page may clear it after
 * connecting), connect, attempt (a new value reconnects),
 * muted, micAttempt (a new value asks for the microphone again), outgoing ({id, text}: typed
 * message to send on the `lk.chat` text stream), ending (true: tell the agent, then leave).
 *
 * Small pieces that must live inside the room: AgentVisualizer (BarVisualizer of the agent's
 * voice) and CallTimer (elapsed time against the scenario's limit).
 */
import React, { useCallback, useEffect, useRef, useState } from "react";
import {
  BarVisualizer,
  RoomAudioRenderer,
  RoomContext,
  useConnectionState,
  useLocalParticipant,
  useRoomContext,
  useTranscriptions,
  useVoiceAssistant,
} from "@livekit/components-react";
import { ConnectionState, DisconnectReason, MediaDeviceFailure, Room, RoomEvent } from "livekit-client";

// Must match coach_app/calls/rooms.py END_CALL_RPC and livekit-agents' chat topic (RoomIO text input).
const END_CALL_RPC = "coach.end_call";
const CHAT_TOPIC = "lk.chat";
const FINAL_ATTRIBUTE = "lk.transcription_final";
const SEGMENT_ATTRIBUTE = "lk.segment_id";
const TRANSCRIPT_FLUSH_MS = 120;
const FINAL_RECHECK_MS = 250;
const RECONNECT_REPORT_MS = 15000;

// Keep the newest callback in a ref: Reflex passes fresh closures on every render.
function useLatest(value) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

function call(ref, arg) {
  if (typeof ref.current === "function") {
    try {
      ref.current(arg);
    } catch (err) {
      console.error("coach bridge: event handler failed", err);
    }
  }
}

function microphoneMessage(failure) {
  if (failure === MediaDeviceFailure.PermissionDenied) {
    return (
      "Microphone access was denied, so the persona cannot hear you. Allow the microphone for " +
      "this site in your browser's address bar, then press Retry. You can also type your replies below."
    );
  }
  if (failure === MediaDeviceFailure.NotFound) {
    return "No microphone was found. Connect one and press Retry, or type your replies below.";
  }
  if (failure === MediaDeviceFailure.DeviceInUse) {
    return "Your microphone is in use by another application. Close it and press Retry, or type your replies below.";
  }
  return "The microphone could not be started. Press Retry, or type your replies below.";
}

function reasonName(reason) {
  if (reason === undefined || reason === null) return "UNKNOWN";
  return DisconnectReason[reason] ?? String(reason);
}

// The page's room outlives its call view for KEEP_ROOM_MS. When the page rejoins the app (the
// app restarted, the network blinked), Reflex first shows the app's copy of the page, which may
// have forgotten the call, and then the page's load puts the call back: the call view unmounts
// and mounts again in between. The view that comes back with the same key takes the same room,
// still connected, so the trainee and the persona never notice. A view that does not come back
// (the trainee left the page) leaves the room once the time is up; its microphone is off at once.
const KEEP_ROOM_MS = 10000;
const keptRooms = new Map(); // key -> {room, release: timeout id or null}

function useKeptRoom(key, options) {
  const [room] = useState(() => {
    const kept = keptRooms.get(key);
    if (kept) return kept.room;
    const fresh = new Room(options);
    keptRooms.set(key, { room: fresh, release: null });
    return fresh;
  });
  useEffect(() => {
    let kept = keptRooms.get(key);
    if (!kept || kept.room !== room) {
      kept = { room, release: null };
      keptRooms.set(key, kept);
    }
    clearTimeout(kept.release);
    kept.release = null;
    return () => {
      room.localParticipant.setMicrophoneEnabled(false).catch(() => {});
      kept.release = setTimeout(() => leave(key, kept), KEEP_ROOM_MS);
    };
  }, [key, room]);
  return room;
}

function leave(key, kept) {
  clearTimeout(kept.release);
  if (keptRooms.get(key) === kept) keptRooms.delete(key);
  kept.room.disconnect().catch(() => {});
}

export function CoachRoom({ attempt = 0, ...props }) {
  // A new attempt (another session, or a Retry) is another room: the rooms of earlier attempts
  // are left at once (an old connection reconnecting would push the new one out of the call).
  const roomKey = String(attempt);
  useEffect(() => {
    for (const [key, kept] of keptRooms) if (key !== roomKey && kept.release !== null) leave(key, kept);
  }, [roomKey]);
  return <KeptRoom key={roomKey} roomKey={roomKey} {...props} />;
}

function KeptRoom(props) {
  const {
    roomKey,
    serverUrl,
    token,
    connect = true,
    muted = false,
    micAttempt = 0,
    outgoing = null,
    ending = false,
    agentTimeoutMs = 15000,
    onStateChange,
    onTranscript,
    onError,
    onDisconnected,
    onMessageSent,
    onEnded,
    children,
    ...rest
  } = props;
  const onErrorRef = useLatest(onError);
  const onDisconnectedRef = useLatest(onDisconnected);
  const endingRef = useLatest(ending);
  const mutedRef = useLatest(muted);
  const room = useKeptRoom(roomKey, { adaptiveStream: false, dynacast: false });

  const reportMicFailure = useCallback(
    (failure) => call(onErrorRef, { kind: "microphone", message: microphoneMessage(failure) }),
    [],
  );
  const reportError = useCallback((err) => {
    const failure = MediaDeviceFailure.getFailure(err);
    if (failure) {
      reportMicFailure(failure);
      return;
    }
    call(onErrorRef, { kind: "connection", message: `Could not connect to the call: ${err?.message || err}.` });
  }, []);
  const enableMic = useCallback(() => {
    room.localParticipant.setMicrophoneEnabled(!mutedRef.current).catch(reportError);
  }, [room]);

  // The room's events, for as long as this view shows it. A room taken over from a view that
  // unmounted is already connected: its microphone (off meanwhile) follows `muted` again.
  useEffect(() => {
    const onDeviceFailure = (err, kind) => {
      if (!kind || kind === "audioinput") reportMicFailure(MediaDeviceFailure.getFailure(err));
    };
    const onRoomDisconnected = (reason) => {
      const name = reasonName(reason);
      call(onDisconnectedRef, { reason: name, intentional: Boolean(endingRef.current) || name === "CLIENT_INITIATED" });
    };
    room
      .on(RoomEvent.SignalConnected, enableMic)
      .on(RoomEvent.MediaDevicesError, onDeviceFailure)
      .on(RoomEvent.Disconnected, onRoomDisconnected);
    if (room.state === ConnectionState.Connected && !endingRef.current) enableMic();
    return () => {
      room
        .off(RoomEvent.SignalConnected, enableMic)
        .off(RoomEvent.MediaDevicesError, onDeviceFailure)
        .off(RoomEvent.Disconnected, onRoomDisconnected);
    };
  }, [room]);

  // The page clears its copy of the token once connected (Reflex writes its state to disk):
  // keep the newest one given, for this connection and its reconnects.
  const tokenRef = useRef("");
  if (token) tokenRef.current = token;
  const roomToken = tokenRef.current;
  const shouldConnect = Boolean(connect && roomToken && serverUrl);
  useEffect(() => {
    if (!shouldConnect || endingRef.current || room.state !== ConnectionState.Disconnected) return;
    room.connect(serverUrl, roomToken).catch(reportError);
  }, [room, shouldConnect, roomToken, serverUrl]);

  return (
    <RoomContext.Provider value={room}>
      <div {...rest}>
        <RoomAudioRenderer />
        <CallBridge
          resync={token}
          muted={muted}
          micAttempt={micAttempt}
          outgoing={outgoing}
          ending={ending}
          agentTimeoutMs={agentTimeoutMs}
          onStateChange={onStateChange}
          onTranscript={onTranscript}
          onError={onError}
          onMessageSent={onMessageSent}
          onEnded={onEnded}
          reportMicFailure={reportMicFailure}
        />
        {children}
      </div>
    </RoomContext.Provider>
  );
}

function CallBridge({
  resync,
  muted,
  micAttempt,
  outgoing,
  ending,
  agentTimeoutMs,
  onStateChange,
  onTranscript,
  onError,
  onMessageSent,
  onEnded,
  reportMicFailure,
}) {
  const room = useRoomContext();
  const connection = useConnectionState(room);
  const { agent, state: agentState } = useVoiceAssistant();
  const { localParticipant, isMicrophoneEnabled } = useLocalParticipant();
  const transcriptions = useTranscriptions();

  const onStateChangeRef = useLatest(onStateChange);
  const onTranscriptRef = useLatest(onTranscript);
  const onErrorRef = useLatest(onError);
  const onMessageSentRef = useLatest(onMessageSent);
  const onEndedRef = useLatest(onEnded);
  const reportMicFailureRef = useLatest(reportMicFailure);
  const agentRef = useLatest(agent);
  const endingRef = useLatest(ending);

  // Tests (and the curious) can reach the live room object; it holds nothing secret.
  useEffect(() => {
    window.coachCall = { room };
  }, [room]);

  // Connection and agent state -> Reflex; again whenever the page hands a fresh token (it does on
  // every load, including when it reconnects to the app after a restart: its copy may be stale).
  const agentIdentity = agent?.identity ?? "";
  useEffect(() => {
    call(onStateChangeRef, {
      connection,
      agentState,
      agentJoined: Boolean(agent),
      agentIdentity,
      micEnabled: Boolean(isMicrophoneEnabled),
    });
  }, [connection, agentState, agentIdentity, isMicrophoneEnabled, resync]);

  // The agent must join within agentTimeoutMs of our connecting.
  const everJoined = useRef(false);
  useEffect(() => {
    if (agent) everJoined.current = true;
    if (agent || everJoined.current || connection !== ConnectionState.Connected || ending) return undefined;
    const timer = setTimeout(() => {
      call(onErrorRef, {
        kind: "agent_timeout",
        message: `The persona did not join within ${Math.round(agentTimeoutMs / 1000)} seconds ` +
          "(the agent worker may be down or busy). Press Retry to try again.",
      });
    }, agentTimeoutMs);
    return () => clearTimeout(timer);
  }, [agent, connection, ending, agentTimeoutMs]);

  // A connection that stays in "reconnecting" is reported as lost (LiveKit keeps trying for
  // up to ~45 s; the trainee gets a clear message and a Retry button sooner).
  useEffect(() => {
    if (connection !== ConnectionState.Reconnecting && connection !== ConnectionState.SignalReconnecting) {
      return undefined;
    }
    const timer = setTimeout(() => {
      call(onErrorRef, {
        kind: "connection",
        message: `The connection to the call was lost (network or server problem) and has not come back for ` +
          `${Math.round(RECONNECT_REPORT_MS / 1000)} seconds. Still trying; press Retry to reconnect now.`,
      });
    }, RECONNECT_REPORT_MS);
    return () => clearTimeout(timer);
  }, [connection]);

  // Mute follows the `muted` prop. The room publishes the microphone (or not, when muted) as it
  // connects; a change made before the room is connected is applied once it is.
  const muteDirty = useRef(false);
  const firstMuted = useRef(true);
  useEffect(() => {
    if (firstMuted.current) firstMuted.current = false;
    else muteDirty.current = true;
  }, [muted]);
  useEffect(() => {
    if (!muteDirty.current || connection !== ConnectionState.Connected || endingRef.current) return;
    muteDirty.current = false;
    localParticipant.setMicrophoneEnabled(!muted).catch((err) => {
      call(reportMicFailureRef, MediaDeviceFailure.getFailure(err));
    });
  }, [muted, connection]);

  // Retry after a microphone failure: ask for it again.
  const firstMicAttempt = useRef(micAttempt);
  useEffect(() => {
    if (micAttempt === firstMicAttempt.current || connection !== ConnectionState.Connected) return;
    localParticipant
      .setMicrophoneEnabled(true)
      .then(() => call(onStateChangeRef, {
        connection,
        agentState,
        agentJoined: Boolean(agentRef.current),
        agentIdentity: agentRef.current?.identity ?? "",
        micEnabled: true,
      }))
      .catch((err) => call(reportMicFailureRef, MediaDeviceFailure.getFailure(err)));
  }, [micAttempt]);

  // Live transcript: both sides arrive as `lk.transcription` text streams. Interim user text is
  // replaced (same lk.segment_id) until the final one; persona text grows as it is spoken.
  // A persona segment turns final in its stream's closing trailer, which updates the stream's
  // attributes without a new chunk (so without a new hook value): re-read them while any
  // line is still interim.
  const sent = useRef(new Map());
  const pending = useRef(new Map());
  const flushTimer = useRef(null);
  const transcriptionsRef = useLatest(transcriptions);
  const scan = useCallback(() => {
    const localIdentity = room.localParticipant?.identity;
    for (const t of transcriptionsRef.current) {
      const attrs = t.streamInfo?.attributes ?? {};
      const id = attrs[SEGMENT_ATTRIBUTE] || t.streamInfo?.id;
      const line = {
        id,
        speaker: t.participantInfo?.identity === localIdentity ? "trainee" : "persona",
        text: t.text,
        final: attrs[FINAL_ATTRIBUTE] === "true",
      };
      const before = sent.current.get(id);
      if (!before || before.text !== line.text || before.final !== line.final) {
        sent.current.set(id, line);
        pending.current.set(id, line);
      }
    }
    if (pending.current.size && flushTimer.current === null) {
      flushTimer.current = setTimeout(() => {
        flushTimer.current = null;
        const lines = [...pending.current.values()];
        pending.current.clear();
        call(onTranscriptRef, lines);
      }, TRANSCRIPT_FLUSH_MS);
    }
  }, [room]);
  useEffect(scan, [transcriptions, scan]);
  useEffect(() => {
    const timer = setInterval(() => {
      for (const line of sent.current.values()) {
        if (!line.final) {
          scan();
          return;
        }
      }
    }, FINAL_RECHECK_MS);
    return () => {
      clearInterval(timer);
      if (flushTimer.current) clearTimeout(flushTimer.current);
    };
  }, [scan]);

  // Typed messages go to the agent as user input on the chat text stream.
  const lastOutgoing = useRef(null);
  useEffect(() => {
    if (!outgoing || !outgoing.id || outgoing.id === lastOutgoing.current) return;
    if (connection !== ConnectionState.Connected) {
      lastOutgoing.current = outgoing.id;
      call(onMessageSentRef, { id: outgoing.id, text: outgoing.text, ok: false, error: "not connected to the call" });
      return;
    }
    lastOutgoing.current = outgoing.id;
    localParticipant
      .sendText(outgoing.text, { topic: CHAT_TOPIC })
      .then(() => call(onMessageSentRef, { id: outgoing.id, text: outgoing.text, ok: true, error: "" }))
      .catch((err) =>
        call(onMessageSentRef, { id: outgoing.id, text: outgoing.text, ok: false, error: String(err?.message || err) }),
      );
  }, [outgoing?.id, connection]);

  // End call: tell the agent it was ended on purpose, then leave the room.
  const ended = useRef(false);
  useEffect(() => {
    if (!ending || ended.current) return;
    ended.current = true;
    (async () => {
      let rpc = "skipped";
      const target = agentRef.current;
      if (target && room.state === ConnectionState.Connected) {
        try {
          await localParticipant.performRpc({
            destinationIdentity: target.identity,
            method: END_CALL_RPC,
            payload: "",
            responseTimeout: 5000,
          });
          rpc = "ok";
        } catch (err) {
          rpc = `failed: ${err?.message || err}`;
        }
      }
      try {
        await room.disconnect();
      } catch (err) {
        console.warn("coach bridge: disconnect failed", err);
      }
      call(onEndedRef, { rpc });
    })();
  }, [ending]);

  return null;
}

export function AgentVisualizer({ barCount = 7, ...rest }) {
  const { state, audioTrack } = useVoiceAssistant();
  return (
    <BarVisualizer
      state={state}
      track={audioTrack}
      barCount={barCount}
      options={{ minHeight: 12, maxHeight: 100 }}
      {...rest}
    />
  );
}

function formatClock(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

// The call's elapsed time against the scenario's limit: counted on from `elapsedSeconds` (the
// call's own clock, read by the page when it loads; -1 when it was not live yet), else from when
// this page saw the persona join.
export function CallTimer({ limitSeconds = 0, elapsedSeconds = -1, ...rest }) {
  const { agent } = useVoiceAssistant();
  const [startedAt, setStartedAt] = useState(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (elapsedSeconds >= 0) setStartedAt(Date.now() - elapsedSeconds * 1000);
  }, [elapsedSeconds]);
  useEffect(() => {
    if (agent && startedAt === null) setStartedAt(Date.now());
  }, [agent, startedAt]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  const elapsed = startedAt === null ? 0 : (now - startedAt) / 1000;
  const over = limitSeconds > 0 && elapsed >= limitSeconds;
  const near = limitSeconds > 0 && !over && elapsed >= limitSeconds - 60;
  return (
    <span data-near-limit={near ? "true" : "false"} data-over-limit={over ? "true" : "false"} {...rest}>
      {formatClock(elapsed)}
      {limitSeconds > 0 ? ` / ${formatClock(limitSeconds)}` : ""}
    </span>
  );
}

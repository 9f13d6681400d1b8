/*
 * Feedback page: the call's recording next to its transcript.
 *
 * - <audio id="call-audio" data-path="/api/sessions/N/audio">: its src is set to that path on the
 *   backend (window.coachBackendUrl(), the same rule as the page's API calls; the login cookie
 *   authenticates the request, and the endpoint answers range requests so the player can seek).
 * - A click on a transcript turn ([data-audio-start]) or on a quote of it (.quote-link[data-seq])
 *   seeks the player to the turn's start and plays.
 * - While it plays, the turn under the playhead gets data-playing="true" (the page styles it).
 * Event delegation on the document: Reflex may re-render the elements at any time.
 */
(() => {
  if (window.coachFeedbackAudio) return;

  const player = () => document.getElementById("call-audio");

  const bind = () => {
    const audio = player();
    if (!audio || !audio.dataset.path || audio.dataset.bound === audio.dataset.path) return;
    const base = window.coachBackendUrl ? window.coachBackendUrl() : new URL(window.location.href);
    audio.src = new URL(audio.dataset.path, base).toString();
    audio.dataset.bound = audio.dataset.path;
  };

  const seek = (seconds) => {
    const audio = player();
    if (!audio) return;
    bind();
    audio.currentTime = seconds;
    audio.play().catch(() => {}); // autoplay rules: the click is a user gesture, so this normally plays
  };

  const highlight = () => {
    const audio = player();
    if (!audio) return;
    const t = audio.currentTime;
    const playing = !audio.paused;
    document.querySelectorAll("[data-audio-start]").forEach((el) => {
      const start = parseFloat(el.dataset.audioStart);
      const end = parseFloat(el.dataset.audioEnd);
      const on = playing && el.dataset.typed !== "true" && t >= start && t < Math.max(end, start + 0.5);
      if ((el.dataset.playing === "true") !== on) el.dataset.playing = on ? "true" : "false";
    });
  };

  document.addEventListener("click", (ev) => {
    const quote = ev.target.closest(".quote-link[data-seq]");
    const turn = quote
      ? document.getElementById(`turn-${quote.dataset.seq}`)
      : ev.target.closest("[data-audio-start]");
    if (!turn || !turn.dataset.audioStart || turn.dataset.typed === "true" || !player()) return;
    seek(parseFloat(turn.dataset.audioStart));
  });
  // media events do not bubble: listen in the capture phase
  for (const name of ["timeupdate", "play", "pause", "seeked", "ended"]) {
    document.addEventListener(name, (ev) => ev.target === player() && highlight(), true);
  }
  setInterval(bind, 500);
  window.coachFeedbackAudio = { seek, bind };
})();

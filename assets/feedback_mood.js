/*
 * Feedback page: a click on a marker dot of the mood curve goes to the trainee turn it marks.
 * The markers line is the chart's last line: recharts 3 draws each line's dots in its own
 * .recharts-line-dots group (in a layer apart from the lines, in the lines' order), one dot per
 * turn that moved the mood, in the order of the links under the chart (#mood-markers .mood-marker):
 * the click follows the link of the same index (which scrolls to the turn, and
 * assets/feedback_audio.js plays it when recorded).
 * Event delegation on the document: Reflex and recharts may re-render the elements at any time.
 */
(() => {
  if (window.coachFeedbackMood) return;
  const markerDots = () => {
    const groups = document.querySelectorAll("#mood-curve .recharts-line-dots");
    return groups.length ? [...groups[groups.length - 1].querySelectorAll(".recharts-dot")] : [];
  };
  document.addEventListener("click", (ev) => {
    const dot = ev.target.closest("#mood-curve .recharts-dot");
    const index = dot ? markerDots().indexOf(dot) : -1;
    const link = index >= 0 ? document.querySelectorAll("#mood-markers .mood-marker")[index] : null;
    if (link) link.click();
  });
  window.coachFeedbackMood = true;
})();

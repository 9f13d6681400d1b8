"""Shared helpers for browser tests of the call page."""

# Audio the page receives from remote participants, from WebRTC's inbound-rtp stats, plus how many
# agents are in the room. `totalAudioEnergy` grows only with decoded, non-silent audio: silence or
# no packets leave it at 0.
AGENT_AUDIO_JS = """
async () => {
  const room = window.coachCall && window.coachCall.room;
  const out = {bytes: 0, energy: 0, tracks: 0, agents: 0};
  if (!room) return out;
  for (const p of room.remoteParticipants.values()) {
    if (p.isAgent) out.agents += 1;
    for (const pub of p.audioTrackPublications.values()) {
      const track = pub.track;
      if (!track || !track.receiver) continue;
      out.tracks += 1;
      const stats = await track.receiver.getStats();
      stats.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "audio") {
          out.bytes += s.bytesReceived || 0;
          out.energy += s.totalAudioEnergy || 0;
        }
      });
    }
  }
  return out;
}
"""

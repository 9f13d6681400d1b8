"""Coach: a voice role-play trainer."""

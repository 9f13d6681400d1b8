"""The LiveKit agent worker that plays a persona."""

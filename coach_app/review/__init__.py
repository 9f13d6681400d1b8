"""Manager review of sessions: the sessions table, CSV export, trends, comments and overrides."""

"""Developer tools: run by hand or by the tests, never imported by the app or the agent at run time."""

"""Real servers the integration tests start on 127.0.0.1 and stop again (developers can use them by hand too)."""

"""The coordinator console: server-rendered pages behind a session sign-in."""

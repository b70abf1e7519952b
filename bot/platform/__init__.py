"""What Samen runs on: settings from the environment and samen.toml, the clock (real, or
controlled in tests), the HTTP transport to the Bot API, and the outbox sender that delivers
what transactions queued, within Telegram's limits."""

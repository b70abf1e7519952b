"""Pure rules: records and decisions with no database, no Telegram and no clock inside
(`today`/`now` are passed in). Who may know and decide (rights), consent status, role
permissions, the support route, school days and quiet hours, the holiday calendar, reading a
typed date. Each has table tests; nothing here imports another floor of `bot/`."""

"""`samen try` and the end-to-end tests' ground: the fake Bot API, the sample school on a
demo clock, the page's JSON API and the stories (see ARCHITECTURE.md, "the demo floor")."""

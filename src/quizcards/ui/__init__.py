"""The Textual TUI: screens and widgets; styling lives in app.tcss."""

"""The Textual app: screens, widgets and styles. Wiring and presentation only."""

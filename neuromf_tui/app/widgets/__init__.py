"""The widgets of the app, one per module; they draw and post messages, nothing more."""

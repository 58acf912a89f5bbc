"""Screens of the app (the main view is composed by the app itself)."""

"""Data layer: discover run folders, parse their telemetry, hold it as columns.

Nothing in this package imports Textual or Rich: it is shared by the app and the headless
commands, and tested without an app.
"""

"""Plain-text renderings of analysis results for the headless commands (no Rich, no Textual)."""

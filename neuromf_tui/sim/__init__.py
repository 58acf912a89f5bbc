"""Simulator: writes run folders the way the real NeuroMF training callback does."""

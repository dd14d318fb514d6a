"""Pieces every emulator shares: the loopback HTTPS server launcher and the local CA."""

"""Scheduled packs: when (``rules``), what and to whom (``book``), and the runner."""

"""CLI command modules; each exposes ``register(subparsers)`` and is discovered automatically."""

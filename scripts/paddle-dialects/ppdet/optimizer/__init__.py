"""Stand-in for ppdet/optimizer/__init__.py: the real one imports the EMA and AdamW helpers, which need the framework."""

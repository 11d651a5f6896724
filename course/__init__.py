"""Need to Share: a course engine that teaches social media literacy to organisations."""

__version__ = "0.1.0"

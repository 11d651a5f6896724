"""Use cases that join the domain, the content loader and the store."""

"""Files to domain objects plus diagnostics. The only layer that uses markdown-it and YAML."""

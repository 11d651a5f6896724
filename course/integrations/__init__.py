"""Adapters to outside systems (SMTP, ...). Services see them only through small protocols."""

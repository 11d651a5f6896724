"""Tables, engine and every query. The only layer that uses SQLModel and SQLAlchemy."""

"""Streamlit pages and widgets. Calls services only."""

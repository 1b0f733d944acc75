"""The teacher's Class page (``pages/class_page.py``) and what a student is told is stored about them: Streamlit glue
over ``core.classes`` (the overview, removal, passwords, retention)."""

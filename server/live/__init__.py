"""In-process publish/subscribe that feeds Watch streams."""

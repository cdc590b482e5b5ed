"""Rendering: each post becomes, at queue time, a text per channel (Jinja2) and banner images (Pillow)."""

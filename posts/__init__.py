"""What to say: campaign files, the post queue (database), and later text templates and banners.

This package never imports ``scheduler``; the scheduler builds on it.
"""

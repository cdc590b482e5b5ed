"""When and where: configuration, the command line, and (later) the daemon, publishers and reports.

Imports flow one way: ``scheduler`` uses ``posts``; ``posts`` never imports ``scheduler``.
"""

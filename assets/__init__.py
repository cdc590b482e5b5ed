"""Data shipped with loa (locales, sample campaign, config template), found with importlib.resources."""

"""Administration pages (/admin); filled by the admin work."""

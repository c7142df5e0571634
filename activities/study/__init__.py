"""Study sessions and heart-to-heart counseling: views, forms, services, selectors (urls in activities/meetings/urls.py)."""

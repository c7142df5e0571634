"""Opinions gathered in phase 1 and the suggestion boxes: views, forms, services, selectors, urls."""

"""The activity plan: views, forms, services, urls."""

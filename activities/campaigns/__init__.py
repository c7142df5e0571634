"""The site administrator's campaign pages: views, forms, services, urls."""

"""Announced meetings and the members' answers: views, forms, services, urls."""

"""Demo data: the fictional county that `manage.py seed_demo` writes for `make run`
(docs/product.md §1), one module per app it fills — organizations.py (the tree, the
people, the logins), activities/ (the 2014 campaign's phases 1 and 2, and the running
campaign of the same shape), rectification/ (phase 3), guidance.py, upgrading.py,
bulletins.py. The product apps never import it; it writes through their services."""

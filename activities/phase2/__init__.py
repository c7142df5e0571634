"""Phase 2: self-examinations, one-to-one talks, statements and the appraisal: views, forms, services, selectors, urls."""

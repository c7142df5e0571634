"""Phase 1 meetings (special meetings, criticism, participation): views, forms, services, selectors, urls; the study and counseling pages are mounted from meetings/urls.py."""

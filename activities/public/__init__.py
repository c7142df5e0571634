"""The public online suggestion box, no login (/box/ and the short /b/ links): views, urls."""

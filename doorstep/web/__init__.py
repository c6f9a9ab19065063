"""The recipient's web pages: the tracking form and page, the road basemap, static files
(see docs/web.md)."""

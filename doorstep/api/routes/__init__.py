"""One module per resource; each handler validates, calls one service, shapes output."""

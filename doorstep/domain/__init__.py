"""Pure types and rules. No I/O, no framework imports; time is always a parameter."""

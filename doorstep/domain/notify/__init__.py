"""Pure notification rules: what a message is for, its words, who it may go to and when.

No I/O and no clock: the caller passes the time, the organisation's settings and the
recipient's details; sending belongs to the services.
"""

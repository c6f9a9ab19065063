"""Use cases. Each public function is one transaction's worth of work on a session the
caller opened; it takes the acting :class:`~doorstep.domain.principal.Principal`."""

"""The pure stages a ping goes through before it is stored and moves live state.

``stages.STAGES`` is the one ordered list (validate -> dedupe -> order -> jump);
``stages.run`` applies it to one ping with the device's ``DeviceMemory`` and returns an
``Outcome``. ``live_state.apply`` then moves the vehicle's live state with the fixes the
outcome calls live. No I/O here: the caller loads and saves the memory and the state,
and passes ``now``.
"""

"""Route planning: pure problem and solution types, the PyVRP adapter, and urgent-job
insertion into running routes. No I/O; travel times arrive as matrices."""

"""Long-running loops that feed the services: the MQTT listener for OwnTracks."""

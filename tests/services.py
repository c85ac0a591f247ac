"""Real-service fixtures. Filled in by the services work (see scripts/)."""

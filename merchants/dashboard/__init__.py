"""The merchant's pages inside Oscar's dashboard: its own fulfilment groups, never whole orders."""

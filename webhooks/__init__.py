"""The inbound edge: signature check, stored inbox of Picqer events, dispatch to sync."""

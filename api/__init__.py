"""HTTP triggers for the portal and timer triggers."""

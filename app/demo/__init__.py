"""Demo data: fictional banks, staff, advisors and clients for `flask seed-demo`."""

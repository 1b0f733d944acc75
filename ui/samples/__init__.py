"""Samples coming in and looked at: uploads (photos, videos), CSV import, galleries, motion clips."""

"""Voicemail to quote: understand a transcript, write the quote SMS (OM-4, OM-7)."""

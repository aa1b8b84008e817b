"""Speech to text for voicemails: audio preparation and the recognizers behind one interface."""

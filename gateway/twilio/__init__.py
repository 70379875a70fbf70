"""The Twilio voice edge: webhook, media stream protocol, playback, keypad, transfer, recording."""

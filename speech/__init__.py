"""Audio for Frontdesk: mu-law codec, resampling, VAD and end of turn, Whisper STT, Piper TTS.

Knows nothing about calls; the voice edge in `gateway/` wires these together per call.
"""
